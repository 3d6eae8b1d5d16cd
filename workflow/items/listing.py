"""Finding items: a filtered list a page at a time, and the items of a trace with their latest
decision and current votes; what others did on an item is shown only to who may see it."""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from workflow.identity.access import Actor
from workflow.items.live import live_where
from workflow.items.pipeline import last_decisions
from workflow.items.seats import seen_by
from workflow.kernel.entities import Page
from workflow.kernel.errors import InvalidInput
from workflow.kernel.states import ItemState
from workflow.models import Assessment, Decision, Item, Vote
from workflow.models.base import as_utc

# A cursor is the last id of the page before, as text: opaque to the client, never parsed
# beyond these digits (an int() would also take "1_000" or " 12").
_CURSOR = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True, slots=True)
class ItemSummary:
    """An item as the list shows it; `proposals` is None for a caller blind to others' work."""

    id: int
    trace_id: str
    span_id: str | None
    name: str
    state: str
    round: int
    campaign_id: int | None
    state_changed_at: datetime
    proposals: int | None
    outcome: str | None  # of the latest decision
    method: str | None


ItemPage = Page[ItemSummary]


@dataclass(frozen=True, slots=True)
class DecisionSummary:
    """The latest decision on an item; value and voters are None where the caller may not see
    them (`value_shown` tells a hidden value from a decided None)."""

    outcome: str
    method: str
    value: Any
    value_shown: bool
    voters: tuple[str, ...] | None
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class VoteSummary:
    """A reviewer's vote in the item's current round, on the whole value (`field` "") or
    on one disputed field or list element."""

    reviewer: str
    choice: str
    at: datetime
    field: str = ""


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """An item of a trace page; `votes` is None for a caller blind to others' work."""

    item: ItemSummary
    decision: DecisionSummary | None
    votes: tuple[VoteSummary, ...] | None


def _state(state: str | None) -> ItemState | None:
    if state is None:
        return None
    try:
        return ItemState(state)
    except ValueError:
        known = ", ".join(ItemState)
        raise InvalidInput(f"state must be one of {known}, not {state!r}") from None


def _after(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not _CURSOR.fullmatch(cursor):
        raise InvalidInput(f"after {cursor!r} is not a cursor this list gave")
    return int(cursor)


def list_items(
    session: Session,
    *,
    by: Actor,
    limit: int,
    state: str | None = None,
    name: str | None = None,
    campaign_id: int | None = None,
    trace_id: str | None = None,
    after: str | None = None,
) -> ItemPage:
    """Items newest first, a page at a time. Keyset on the id, not on state_changed_at: an
    id never changes, so an item moving on while a reader pages can be neither met twice nor
    skipped."""
    statement = _visible(select(Item).order_by(col(Item.id).desc()).limit(limit + 1), by)
    wanted = _state(state)
    if wanted is not None:
        statement = statement.where(Item.state == wanted.value)
    if name is not None:
        statement = statement.where(Item.name == name)
    if campaign_id is not None:
        statement = statement.where(Item.campaign_id == campaign_id)
    if trace_id is not None:
        statement = statement.where(Item.trace_id == trace_id)
    last = _after(after)
    if last is not None:
        statement = statement.where(col(Item.id) < last)
    rows = session.exec(statement).all()
    shown = rows[:limit]
    following = str(shown[-1].id) if len(rows) > limit else None
    summaries = tuple(summary for summary, _ in _summaries(session, shown, by))
    return Page(items=summaries, next_page_token=following)


def item_details(session: Session, *, trace_id: str, by: Actor) -> tuple[ItemDetail, ...]:
    """Each item of a trace with its latest decision and its current round's votes, in a
    fixed number of statements however many items the trace has."""
    items = session.exec(
        _visible(select(Item), by)
        .where(Item.trace_id == trace_id)
        .order_by(col(Item.name), col(Item.span_id), col(Item.id))
    ).all()
    summaries = _summaries(session, items, by)
    ids = [summary.id for summary, _ in summaries]
    votes = _current_votes(session, ids) if by.sees_work else None
    return tuple(
        ItemDetail(
            item=summary,
            decision=None if decision is None else _decision(summary, decision, by),
            votes=None if votes is None else tuple(votes.get(summary.id, ())),
        )
        for summary, decision in summaries
    )


def _visible(statement, by: Actor):
    """The statement narrowed to the items `by` may list."""
    return statement if by.sees_work else statement.where(seen_by(by.name))


def _summaries(
    session: Session, items: list[Item], by: Actor
) -> list[tuple[ItemSummary, Decision | None]]:
    """The items' summaries, each with its latest decision (two statements for them all)."""
    ids = [item.id for item in items if item.id is not None]
    decisions = last_decisions(session, ids)
    counts = _proposal_counts(session, ids) if by.sees_work else None
    pairs = []
    for item in items:
        decision = decisions.get(item.id or 0)
        pairs.append((_summary(item, decision, counts), decision))
    return pairs


def _summary(item: Item, decision: Decision | None, counts: dict[int, int] | None) -> ItemSummary:
    return ItemSummary(
        id=item.id or 0,
        trace_id=item.trace_id,
        span_id=item.span_id or None,
        name=item.name,
        state=item.state,
        round=item.review_round,
        campaign_id=item.campaign_id,
        state_changed_at=as_utc(item.state_changed_at),
        proposals=None if counts is None else counts.get(item.id or 0, 0),
        outcome=decision.outcome if decision else None,
        method=decision.method if decision else None,
    )


def _decision(item: ItemSummary, decision: Decision, by: Actor) -> DecisionSummary:
    """The decision as `by` may see it: a promoted item's value is its canonical expectation,
    public already; an open item's value, and who voted, belong to the committee and leads."""
    shown = by.sees_work or item.state == ItemState.PROMOTED
    return DecisionSummary(
        outcome=decision.outcome,
        method=decision.method,
        value=decision.value if shown else None,
        value_shown=shown,
        voters=tuple(decision.voters) if by.sees_work else None,
        decided_at=as_utc(decision.created_at),
    )


def _proposal_counts(session: Session, item_ids: list[int]) -> dict[int, int]:
    """How many live proposals each item has (an item with none is left out)."""
    statement = (
        select(Assessment.item_id, func.count())
        .where(*live_where(col(Assessment.item_id).in_(item_ids)))
        .group_by(col(Assessment.item_id))
    )
    return {item_id: count for item_id, count in session.exec(statement) if item_id is not None}


def _current_votes(session: Session, item_ids: list[int]) -> dict[int, list[VoteSummary]]:
    """The votes of each item's current round, by reviewer."""
    statement = (
        select(Vote)
        .join(
            Item,
            (col(Item.id) == col(Vote.item_id))
            & (col(Item.review_round) == col(Vote.review_round)),
        )
        .where(col(Vote.item_id).in_(item_ids))
        .order_by(col(Vote.item_id), col(Vote.reviewer_id), col(Vote.field))
    )
    found: dict[int, list[VoteSummary]] = {}
    for vote in session.exec(statement):
        summary = VoteSummary(
            reviewer=vote.reviewer_id,
            choice=vote.choice,
            at=as_utc(vote.updated_at),
            field=vote.field,
        )
        found.setdefault(vote.item_id, []).append(summary)
    return found
