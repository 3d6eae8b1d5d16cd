"""Read-only figures: items per state, the latest traces, and the outbox backlog."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from workflow.identity.access import Actor
from workflow.items.seats import seen_by
from workflow.models import Assessment, Item, OutboxMessage, ReconcileRun, Role, Trace
from workflow.models.base import as_utc, utcnow


@dataclass(frozen=True)
class Summary:
    """What the overview shows."""

    traces: int
    items_by_state: dict[str, int]
    canonical: int | None  # None for an annotator: how far others got is not theirs to see
    recent_traces: tuple[str, ...]


def summary(session: Session, *, by: Actor, recent: int = 20) -> Summary:
    """Counts in three small aggregate queries plus the latest trace ids; an annotator counts
    only the items they may list."""
    by_state_query = select(Item.state, func.count()).group_by(Item.state)
    if not by.sees_work:
        by_state_query = by_state_query.where(seen_by(by.name))
    by_state = dict(session.exec(by_state_query).all())
    canonical = (
        session.exec(
            select(func.count()).where(Assessment.role == Role.CANONICAL, col(Assessment.valid))
        ).one()
        if by.sees_work
        else None
    )
    recent_ids = session.exec(
        select(Trace.trace_id).order_by(col(Trace.created_at).desc()).limit(recent)
    ).all()
    return Summary(
        traces=session.exec(select(func.count()).select_from(Trace)).one(),
        items_by_state=by_state,
        canonical=canonical,
        recent_traces=tuple(recent_ids),
    )


@dataclass(frozen=True)
class Backlog:
    """Outbox work not yet done, and when the reconciler last ran."""

    pending: int
    oldest_pending_age_s: float | None
    dead_lettered: int
    last_reconcile_at: datetime | None


def backlog(session: Session) -> Backlog:
    """The outbox backlog for the health endpoint, in three indexed queries."""
    unfinished = (col(OutboxMessage.completed_at).is_(None), col(OutboxMessage.dead_at).is_(None))
    pending, oldest = session.exec(
        select(func.count(), func.min(OutboxMessage.created_at)).where(*unfinished)
    ).one()
    dead = session.exec(select(func.count()).where(col(OutboxMessage.dead_at).is_not(None))).one()
    last = session.exec(select(func.max(ReconcileRun.finished_at))).one()
    age = (utcnow() - as_utc(oldest)).total_seconds() if oldest is not None else None
    return Backlog(
        pending=pending,
        oldest_pending_age_s=age,
        dead_lettered=dead,
        last_reconcile_at=as_utc(last) if last is not None else None,
    )
