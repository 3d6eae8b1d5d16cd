"""The item pipeline: evaluate an item once it has its quota, promote what was decided."""

from sqlmodel import Session, col, func, select

from workflow import events, notifications, outbox
from workflow.consensus import ConsensusError, LabelSchemaSpec, ProposalInput, evaluate_item
from workflow.items import canonical, disputes, seats
from workflow.items.label_schemas import spec_for
from workflow.items.live import live_proposals_of, signature
from workflow.items.store import PIPELINE, Move, lock_item, lock_items, transition, transition_all
from workflow.kernel.settings import DEFAULT_OVERLAP
from workflow.kernel.states import DECIDED_STATES, ItemEvent, ItemState
from workflow.kernel.task_names import TaskName
from workflow.kernel.values import same_value
from workflow.models import Assessment, Campaign, Decision, Item


def last_decision(session: Session, item_id: int) -> Decision | None:
    """The item's most recent decision."""
    return last_decisions(session, [item_id]).get(item_id)


def last_decisions(session: Session, item_ids: list[int]) -> dict[int, Decision]:
    """Each item's most recent decision; an item with none is left out."""
    if not item_ids:
        return {}
    latest = (
        select(func.max(Decision.id))
        .where(col(Decision.item_id).in_(item_ids))
        .group_by(col(Decision.item_id))
    )
    rows = session.exec(select(Decision).where(col(Decision.id).in_(latest)))
    return {decision.item_id: decision for decision in rows}


def evaluate(session: Session, *, item_id: int, default_overlap: int = DEFAULT_OVERLAP) -> str:
    """Evaluate the item if its proposals changed since the last decision; returns its state."""
    return evaluate_many(session, item_ids=[item_id], default_overlap=default_overlap)[0]


class _Outcomes:
    """What evaluating a batch of items decided, to be written in one statement per kind."""

    def __init__(self) -> None:
        self.decisions: list[Decision] = []
        self.promotions: list[tuple[Item, Decision]] = []
        self.moves: list[Move] = []
        self.routes: list[dict[str, int]] = []
        self.disputes: list[tuple[Item, dict]] = []
        self.decided: list[tuple[Item, Decision]] = []


def evaluate_many(
    session: Session, *, item_ids: list[int], default_overlap: int = DEFAULT_OVERLAP
) -> list[str]:
    """Evaluate each item whose proposals changed since its last decision; returns their
    states in id order. The statements do not grow with the number of items: an import's
    hundred items, or the several a relay round hands over, cost about what one does."""
    ids = sorted(set(item_ids))
    items = lock_items(session, ids)  # in id order, every one found
    proposals = live_proposals_of(session, ids)
    decided = [
        i for i, item in zip(ids, items, strict=True) if ItemState(item.state) in DECIDED_STATES
    ]
    last = last_decisions(session, decided)
    outcomes = _Outcomes()
    for item in items:
        _evaluate(session, item, proposals.get(item.id, []), last, default_overlap, outcomes)
    canonical.record_all(session, outcomes.decisions)
    events.emit_many(
        session,
        [_decided(item, d) for item, d in outcomes.decided if d.outcome in ("agreed", "disputed")],
    )
    disputes.record_disputes(session, outcomes.disputes)
    _make_canonical(session, outcomes.promotions)
    transition_all(session, outcomes.moves)
    outbox.enqueue_many(session, TaskName.ROUTE_ITEM, outcomes.routes)
    return [item.state for item in items]


def _evaluate(
    session: Session,
    item: Item,
    proposals: list[Assessment],
    last: dict[int, Decision],
    default_overlap: int,
    outcomes: _Outcomes,
) -> None:
    """Decide one item of a batch: add its decision and moves to `outcomes`."""
    assert item.id is not None
    seen = signature(proposals)
    moves: list[ItemEvent] = []
    decided = ItemState(item.state) in DECIDED_STATES
    previous = last.get(item.id) if decided else None
    if decided:
        if previous is not None and previous.proposals == seen:
            return  # a repeated task, or a change that was already evaluated
        moves.append(ItemEvent.REOPEN)
    spec, schema_overlap = spec_for(session, item, [p.value for p in proposals])
    quota = item.quota or schema_overlap or default_overlap
    # Sent back by the committee: it collects again until each annotator has answered anew.
    waiting = item.return_note is not None and seats.returned(session, item.id) > 0
    if len(proposals) < quota or waiting:
        if moves:
            outcomes.moves.append((item, tuple(moves)))
        return
    item.return_note = None
    record = _engine_record(spec, proposals, quota)
    if _confirms(item, previous, record):
        return  # the proposals as they are now agree on the value in force: nothing new
    decision = Decision(
        item_id=item.id,
        outcome=record["outcome"],
        method=canonical.AUTO,
        value=record.get("consensus"),
        algorithm=record["algorithm"]["name"],
        record=record,
        proposals=seen,
    )
    outcomes.decisions.append(decision)
    outcomes.decided.append((item, decision))
    moves.append(ItemEvent.QUOTA_REACHED)
    if decision.outcome == "agreed":
        # Promoted in the same transaction: nothing is left to decide, and a separate task
        # would cost a second delivery, lock and commit for every agreed item.
        outcomes.promotions.append((item, decision))
        moves += [ItemEvent.AGREE, ItemEvent.PROMOTE]
    elif decision.outcome == "disputed" and _tops_up(session, item):
        seats.add_seat(session, item)
        moves.append(ItemEvent.TOP_UP)
    elif decision.outcome == "disputed":
        moves.append(ItemEvent.DISAGREE)
        outcomes.routes.append({"item_id": item.id})
        outcomes.disputes.append((item, record))
    else:
        moves.append(ItemEvent.INSUFFICIENT)
    outcomes.moves.append((item, tuple(moves)))


def _decided(item: Item, decision: Decision) -> events.Happening:
    """The event of an engine decision that agreed or found a dispute."""
    outcome = f"item.{decision.outcome}"
    payload = {
        "item_id": item.id,
        "trace_id": item.trace_id,
        "span_id": item.span_id or None,
        "name": item.name,
        "campaign_id": item.campaign_id,
        "decision_id": decision.id,
        "outcome": decision.outcome,
        "reason_codes": list(decision.record.get("reason_codes", [])),
        "link": f"/items/{item.id}/history",
    }
    return (outcome, f"decision:{decision.id}", payload, item.id, item.campaign_id)


def _tops_up(session: Session, item: Item) -> bool:
    """Whether the item's disagreement draws one more annotator: adaptive overlap, below its
    campaign's maximum."""
    if item.campaign_id is None or item.quota is None:
        return False
    campaign = session.get(Campaign, item.campaign_id)
    assert campaign is not None
    return campaign.adaptive and item.quota < (campaign.max_overlap or item.quota)


def _confirms(item: Item, previous: Decision | None, record: dict) -> bool:
    """Whether an agreed item's new evaluation agrees again, on the value already decided (a
    late annotator who agrees, an edit that changes no outcome): its decision stands."""
    return (
        previous is not None
        and ItemState(item.state) in (ItemState.AGREED, ItemState.PROMOTED)
        and previous.outcome == record["outcome"] == "agreed"
        and same_value(previous.value, record.get("consensus"))
    )


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


def promote(session: Session, *, item_id: int) -> str:
    """Promote the decided value of an agreed or resolved item; a no-op in any other state."""
    item = lock_item(session, item_id)
    if item.state not in (ItemState.AGREED, ItemState.RESOLVED):
        return item.state
    decision = last_decision(session, item_id)
    assert decision is not None, "an agreed or resolved item has its decision"
    _make_canonical(session, [(item, decision)])
    transition(session, item, ItemEvent.PROMOTE)
    return item.state


def _make_canonical(session: Session, promotions: list[tuple[Item, Decision]]) -> None:
    """Make each decision canonical and tell its item's subscribers; moving the items to
    promoted is the caller's (with any other moves of the same items, in one statement)."""
    canonical.promote_all(session, promotions, actor=PIPELINE)
    _note_completed(session, promotions)
    notifications.raise_for_each(
        session,
        event="item.promoted",
        notes=[(item, {"decision_id": decision.id}) for item, decision in promotions],
        recipients=[notifications.SUBSCRIBERS],
    )


def _note_completed(session: Session, promotions: list[tuple[Item, Decision]]) -> None:
    """Tell that a campaign is complete when these promotions (their items are moved to
    promoted by the caller, after this) leave none of its items undecided; once only, so a
    campaign reopened and completed again is not told twice."""
    promoted = [item.id for item, _ in promotions]
    for campaign_id in sorted({item.campaign_id for item, _ in promotions} - {None}):
        waiting = session.exec(
            select(Item.id)
            .where(Item.campaign_id == campaign_id, Item.state != ItemState.PROMOTED)
            .where(col(Item.id).not_in(promoted))
            .limit(1)
        ).first()
        if waiting is None:
            events.emit(
                session,
                "campaign.completed",
                key=f"campaign.completed:{campaign_id}",
                payload={"campaign_id": campaign_id, "link": f"/campaigns/{campaign_id}"},
                campaign_id=campaign_id,
            )
