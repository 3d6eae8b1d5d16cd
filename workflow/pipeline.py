"""The item pipeline: evaluate an item once it has its quota, promote what was decided."""

from typing import Any

from sqlmodel import Session, col, select

from workflow import canonical, notifications, outbox
from workflow.consensus import ConsensusError, LabelSchemaSpec, ProposalInput, evaluate_item
from workflow.items import lock_item, transition
from workflow.label_schemas import DEFAULT_OVERLAP, spec_for
from workflow.models import Assessment, Decision, Item
from workflow.proposals import live_proposals
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


def signature(proposals: list[Assessment]) -> list[dict[str, Any]]:
    """Which proposal versions a decision saw: a later change makes a different signature."""
    return [
        {"assessment_id": p.assessment_id, "revision": p.revision, "annotator": p.source_id}
        for p in proposals
    ]


def last_decision(session: Session, item_id: int) -> Decision | None:
    """The item's most recent decision."""
    statement = (
        select(Decision).where(Decision.item_id == item_id).order_by(col(Decision.id).desc())
    )
    return session.exec(statement.limit(1)).first()


def evaluate(session: Session, *, item_id: int, default_overlap: int = DEFAULT_OVERLAP) -> str:
    """Evaluate the item if its proposals changed since the last decision; returns its state."""
    item = lock_item(session, item_id)
    proposals = live_proposals(session, item_id)
    seen = signature(proposals)
    moves: list[ItemEvent] = []
    if ItemState(item.state) in _DECIDED:
        last = last_decision(session, item_id)
        if last is not None and last.proposals == seen:
            return item.state  # a repeated task, or a change that was already evaluated
        moves.append(ItemEvent.REOPEN)
    spec, schema_overlap = spec_for(session, item, [p.value for p in proposals])
    quota = schema_overlap or default_overlap
    if len(proposals) < quota:
        return transition(session, item, *moves) if moves else item.state
    moves.append(ItemEvent.QUOTA_REACHED)
    return _decide(session, item, spec, proposals, seen, quota, moves)


def evaluate_many(
    session: Session, *, item_ids: list[int], default_overlap: int = DEFAULT_OVERLAP
) -> list[str]:
    """`evaluate` for each item, in id order (the order a bulk import locks them in)."""
    return [evaluate(session, item_id=i, default_overlap=default_overlap) for i in sorted(item_ids)]


def _engine_record(spec: LabelSchemaSpec, proposals: list[Assessment], quota: int) -> dict:
    ballots = [ProposalInput(p.source_id, p.value) for p in proposals]
    try:
        return evaluate_item(spec, ballots, min_proposals=quota).to_dict()
    except ConsensusError as exc:
        # Values that do not fit one schema cannot agree: a human must look at them.
        return {
            "outcome": "disputed",
            "reason_codes": ["values_do_not_fit"],
            "error": str(exc),
            "algorithm": {"name": "quorum.unfit"},
        }


def _decide(
    session: Session,
    item: Item,
    spec: LabelSchemaSpec,
    proposals: list[Assessment],
    seen: list[dict[str, Any]],
    quota: int,
    moves: list[ItemEvent],
) -> str:
    """Record the engine's decision and move the item by it (`moves` are the events so far)."""
    record = _engine_record(spec, proposals, quota)
    outcome = record["outcome"]
    decision = canonical.record_decision(
        session,
        item=item,
        outcome=outcome,
        method=canonical.AUTO,
        value=record.get("consensus"),
        algorithm=record["algorithm"]["name"],
        record=record,
        proposals=seen,
    )
    if outcome == "agreed":
        # Promoted in the same transaction: nothing is left to decide, and a separate task
        # would cost a second delivery, lock and commit for every agreed item.
        _promote_decided(session, item, decision, *moves, ItemEvent.AGREE)
    elif outcome == "disputed":
        transition(session, item, *moves, ItemEvent.DISAGREE)
        outbox.enqueue(session, outbox.ROUTE_ITEM, item_id=item.id)
    else:
        transition(session, item, *moves, ItemEvent.INSUFFICIENT)
    return item.state


def promote(session: Session, *, item_id: int) -> str:
    """Promote the decided value of an agreed or resolved item; a no-op in any other state."""
    item = lock_item(session, item_id)
    if item.state not in (ItemState.AGREED, ItemState.RESOLVED):
        return item.state
    decision = last_decision(session, item_id)
    assert decision is not None, "an agreed or resolved item has its decision"
    _promote_decided(session, item, decision)
    return item.state


def _promote_decided(session: Session, item: Item, decision: Decision, *moves: ItemEvent) -> None:
    """Make the decision canonical, move the item to promoted and tell its subscribers."""
    canonical.promote(session, item=item, decision=decision, actor=ACTOR)
    transition(session, item, *moves, ItemEvent.PROMOTE)
    notifications.raise_once(
        session,
        event="item.promoted",
        item=item,
        recipients=[notifications.SUBSCRIBERS],
        decision_id=decision.id,
    )
