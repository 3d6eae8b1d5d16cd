"""The item pipeline: once an item has its quota, evaluate it; promote what agrees."""

from typing import Any

from sqlmodel import Session, col, select

from workflow import canonical
from workflow.consensus.decision import ProposalInput
from workflow.consensus.engine import evaluate_item
from workflow.consensus.errors import ConsensusError
from workflow.consensus.infer import infer_spec
from workflow.consensus.schema import LabelSchemaSpec
from workflow.items import lock_item, transition
from workflow.label_schemas import schema_of
from workflow.models import Assessment, Decision, Item, Role
from workflow.states import ItemEvent, ItemState

# States an item has left collection for; a changed proposal set sends it back (reopen).
_DECIDED = frozenset(
    {
        ItemState.AGREED,
        ItemState.DISPUTED,
        ItemState.IN_REVIEW,
        ItemState.RESOLVED,
        ItemState.PROMOTED,
    }
)
ACTOR = "quorum:pipeline"


def _live_proposals(session: Session, item_id: int) -> list[Assessment]:
    statement = (
        select(Assessment)
        .where(Assessment.item_id == item_id, Assessment.role == Role.PROPOSAL)
        .where(col(Assessment.deleted_at).is_(None))
        .order_by(col(Assessment.source_id))
    )
    return list(session.exec(statement).all())


def _signature(proposals: list[Assessment]) -> list[dict[str, Any]]:
    """Which proposal versions an evaluation saw: a later change makes a different signature."""
    return [
        {"assessment_id": p.assessment_id, "revision": p.revision, "annotator": p.source_id}
        for p in proposals
    ]


def _last_decision(session: Session, item_id: int) -> Decision | None:
    statement = (
        select(Decision).where(Decision.item_id == item_id).order_by(col(Decision.id).desc())
    )
    return session.exec(statement.limit(1)).first()


def _spec(session: Session, item: Item, values: list[Any]) -> tuple[LabelSchemaSpec, int | None]:
    schema = schema_of(session, item)
    if schema is None:
        return infer_spec(item.name, values), None
    return LabelSchemaSpec.from_dict(schema.spec), schema.overlap


def evaluate(session: Session, *, item_id: int, default_overlap: int = 3) -> str:
    """Evaluate the item if its proposals changed since the last evaluation; returns its state."""
    item = lock_item(session, item_id)
    proposals = _live_proposals(session, item_id)
    signature = _signature(proposals)
    last = _last_decision(session, item_id)
    state = ItemState(item.state)
    if state in _DECIDED:
        if last is not None and last.proposals == signature:
            return item.state  # a repeated task, or a change that was already evaluated
        transition(session, item, ItemEvent.REOPEN)
    spec, schema_overlap = _spec(session, item, [p.value for p in proposals])
    quota = schema_overlap or default_overlap
    if len(proposals) < quota:
        return item.state
    transition(session, item, ItemEvent.QUOTA_REACHED)
    return _decide(session, item, spec, proposals, signature, quota)


def _decide(
    session: Session,
    item: Item,
    spec: LabelSchemaSpec,
    proposals: list[Assessment],
    signature: list[dict[str, Any]],
    quota: int,
) -> str:
    ballots = [ProposalInput(p.source_id, p.value) for p in proposals]
    try:
        result = evaluate_item(spec, ballots, min_proposals=quota).to_dict()
    except ConsensusError as exc:
        # Values that do not fit one schema cannot agree: a human must look at them.
        result = {
            "outcome": "disputed",
            "reason_codes": ["values_do_not_fit"],
            "error": str(exc),
            "algorithm": {"name": "quorum.unfit"},
        }
    outcome = result["outcome"]
    decision = canonical.record_decision(
        session,
        item=item,
        outcome=outcome,
        method=canonical.AUTO,
        value=result.get("consensus"),
        algorithm=result["algorithm"]["name"],
        record=result,
        proposals=signature,
    )
    if outcome == "agreed":
        transition(session, item, ItemEvent.AGREE)
        canonical.promote(session, item=item, decision=decision, actor=ACTOR)
        transition(session, item, ItemEvent.PROMOTE)
    elif outcome == "disputed":
        transition(session, item, ItemEvent.DISAGREE)
    else:
        transition(session, item, ItemEvent.INSUFFICIENT)
    return item.state
