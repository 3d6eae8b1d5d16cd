"""Disputes that reached review before their committee had members: found, counted, listed,
and handed to the committee as soon as it has some."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, exists, literal, literal_column
from sqlmodel import Session, col, func, select

from workflow import outbox
from workflow.kernel.states import ItemState
from workflow.kernel.task_names import TaskName
from workflow.models import CommitteeMember, Item, ReviewAssignment
from workflow.models.base import as_utc
from workflow.models.review import CAMPAIGN_SCOPE, DEFAULT_SCOPE, scope_campaign

# In review, and nobody assigned to its current round.
_UNSTAFFED = (
    col(Item.state) == ItemState.IN_REVIEW,
    ~exists().where(
        ReviewAssignment.item_id == Item.id, ReviewAssignment.review_round == Item.review_round
    ),
)


def _committee_of(scope: str):
    return exists().where(CommitteeMember.scope == scope)


# The committee that reviews an item: its campaign's, else its label schema's, else the
# default one; the first of them that has members.
_CAMPAIGN = exists().where(
    CommitteeMember.scope == literal(CAMPAIGN_SCOPE) + cast(Item.campaign_id, String)
)
_OWN = exists().where(CommitteeMember.scope == literal_column("items.name"))
_STAFFABLE = _CAMPAIGN | _OWN | _committee_of(DEFAULT_SCOPE)


@dataclass(frozen=True, slots=True)
class UnstaffedView:
    """A dispute waiting for a committee, as leads see it."""

    item_id: int
    trace_id: str
    name: str
    round: int
    escalated_at: datetime | None


def count(session: Session) -> int:
    """How many disputes wait for a committee."""
    return session.exec(select(func.count()).select_from(Item).where(*_UNSTAFFED)).one()


def waiting(session: Session, *, limit: int) -> list[UnstaffedView]:
    """The disputes waiting for a committee, longest waiting first."""
    rows = session.exec(
        select(Item).where(*_UNSTAFFED).order_by(col(Item.state_changed_at), col(Item.id))
    ).fetchmany(limit)
    return [
        UnstaffedView(
            item_id=item.id or 0,
            trace_id=item.trace_id,
            name=item.name,
            round=item.review_round,
            escalated_at=as_utc(item.escalated_at) if item.escalated_at else None,
        )
        for item in rows
    ]


def staff_waiting(session: Session, *, scope: str | None = None, limit: int | None = None) -> int:
    """Queue the routing of every waiting dispute that a committee with members now covers
    (only those `scope`'s committee serves, if given); returns how many."""
    covered = _STAFFABLE
    if scope == DEFAULT_SCOPE:
        covered = ~_CAMPAIGN & ~_OWN & _committee_of(DEFAULT_SCOPE)
    elif scope is not None and (campaign_id := scope_campaign(scope)) is not None:
        covered = (col(Item.campaign_id) == campaign_id) & _committee_of(scope)
    elif scope is not None:
        covered = (col(Item.name) == scope) & ~_CAMPAIGN & _committee_of(scope)
    statement = select(Item.id).where(*_UNSTAFFED, covered).order_by(col(Item.id))
    if limit is not None:
        statement = statement.limit(limit)
    item_ids = session.exec(statement).all()
    outbox.enqueue_many(session, TaskName.ROUTE_ITEM, [{"item_id": i} for i in item_ids])
    return len(item_ids)
