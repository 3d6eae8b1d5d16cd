"""The reconciler: re-publish unfinished work, dead-letter poison, re-drive idle items, give
back the seats of lapsed claims, escalate overdue reviews, refresh dashboards decisions missed,
and wake the webhook dispatcher and the mailer when their retries come due."""

from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlmodel import Session, col, select, update

from workflow import dashboard, mail, outbox, queue, webhooks
from workflow.kernel.states import RESUMED_BY, ItemState
from workflow.models import Item, OutboxMessage, ReconcileRun
from workflow.models.base import utcnow
from workflow.review import deadlines, unstaffed


@dataclass(frozen=True)
class ReconcileReport:
    """What one pass fixed."""

    republished: int
    redriven: int
    dead_lettered: int
    leases_expired: int = 0
    reviews_escalated: int = 0
    dashboards_refreshed: int = 0
    leases_expiring: int = 0
    webhooks_woken: int = 0
    emails_woken: int = 0

    def to_dict(self) -> dict[str, int]:
        """JSON-safe form."""
        return asdict(self)


def _unfinished():
    return (col(OutboxMessage.completed_at).is_(None), col(OutboxMessage.dead_at).is_(None))


def reconcile(
    session: Session,
    *,
    redeliver_after: float,
    stuck_after: float,
    max_attempts: int,
    batch: int = 500,
) -> ReconcileReport:
    """One pass; safe to run at any time and any number of times, even two at once."""
    started = utcnow()
    dead = session.exec(
        update(OutboxMessage)
        .where(*_unfinished(), col(OutboxMessage.attempts) >= max_attempts)
        .values(dead_at=started, last_error="dead-lettered after too many deliveries")
    ).rowcount
    # Published long ago and still not done: the delivery was lost (a crash, a broker restart).
    republished = session.exec(
        update(OutboxMessage)
        .where(*_unfinished())
        .where(col(OutboxMessage.published_at) < started - timedelta(seconds=redeliver_after))
        .values(published_at=None)
    ).rowcount
    idle = session.exec(
        select(Item.id, Item.state)
        .where(col(Item.state).in_([state.value for state in RESUMED_BY]))
        .where(col(Item.state_changed_at) < started - timedelta(seconds=stuck_after))
        .order_by(col(Item.state_changed_at))
        .limit(batch)
    ).all()
    for item_id, state in idle:
        outbox.enqueue(session, RESUMED_BY[ItemState(state)], item_id=item_id)
    # Disputes in review with nobody on their round, whose committee has members by now.
    staffed = unstaffed.staff_waiting(session, limit=batch)
    report = ReconcileReport(
        republished=republished,
        redriven=len(idle) + staffed,
        dead_lettered=dead,
        leases_expired=queue.expire_leases(session, limit=batch),
        reviews_escalated=deadlines.escalate_overdue(session, limit=batch),
        dashboards_refreshed=dashboard.refresh_missed(session, limit=batch),
        leases_expiring=queue.note_expiring(session),
        webhooks_woken=webhooks.wake_if_due(session),
        emails_woken=mail.wake_if_due(session),
    )
    session.add(ReconcileRun(started_at=started, finished_at=utcnow(), **report.to_dict()))
    return report
