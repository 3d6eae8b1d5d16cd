"""The outbox: enqueue work in the caller's transaction; hand pending rows to a publisher."""

from collections.abc import Sequence
from typing import Any, Protocol

from sqlmodel import Session, col, select, update

from workflow.models import OutboxMessage
from workflow.models.base import utcnow


class Publisher(Protocol):
    """Something that hands a task to workers: Celery over a broker, or the in-process worker."""

    def publish(self, message_id: int, task: str, payload: dict[str, Any]) -> None:
        """Send one outbox message; raise if it could not be sent."""


_ENQUEUED = "quorum.outbox.enqueued"


def enqueue(session: Session, task: str, **payload: Any) -> OutboxMessage:
    """Add a task to the current transaction: it leaves only if the transaction commits."""
    message = OutboxMessage(task=task, payload=payload)
    session.add(message)
    session.info[_ENQUEUED] = True
    return message


def enqueued(session: Session) -> bool:
    """Whether this session's work wrote outbox rows, i.e. whether the relay has work now."""
    return session.info.get(_ENQUEUED, False)


def unpublished(session: Session, *, limit: int = 500) -> Sequence[OutboxMessage]:
    """Messages not yet handed to the broker, oldest first."""
    statement = (
        select(OutboxMessage)
        .where(col(OutboxMessage.published_at).is_(None))
        .where(col(OutboxMessage.completed_at).is_(None))
        .where(OutboxMessage.available_at <= utcnow())
        .where(col(OutboxMessage.dead_at).is_(None))
        .order_by(col(OutboxMessage.id))
        .limit(limit)
        # Several relays (one per API process) share the table: each takes rows no other holds.
        .with_for_update(skip_locked=True)
    )
    return session.exec(statement).all()


def mark_published(session: Session, message_ids: Sequence[int]) -> None:
    """Record that these messages reached the broker."""
    if message_ids:
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(message_ids))
            .values(published_at=utcnow())
        )


def requeue_unfinished(session: Session) -> int:
    """Mark published-but-unfinished messages unpublished again, so the relay sends them anew.

    Only for the embedded worker at start-up: its queue lived in the process that stopped, so
    whatever it held is gone. With a broker, redelivery is the broker's and the reconciler's job.
    """
    result = session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.completed_at).is_(None))
        .where(col(OutboxMessage.published_at).is_not(None))
        .values(published_at=None)
    )
    return result.rowcount


def mark_completed(session: Session, message_id: int) -> bool:
    """Record that a task finished its message; False if it was already done (a redelivery)."""
    result = session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .where(col(OutboxMessage.completed_at).is_(None))
        .values(completed_at=utcnow())
    )
    return result.rowcount == 1


def publish_pending(session: Session, publisher: Publisher, *, limit: int = 500) -> int:
    """Publish pending messages; each one sent is marked, a failed one waits for the next try."""
    sent: list[int] = []
    for message in unpublished(session, limit=limit):
        assert message.id is not None
        try:
            publisher.publish(message.id, message.task, message.payload)
        except Exception as exc:  # broker down: the row stays pending for the next round
            # Not counted in `attempts`: those are deliveries, and an outage must not
            # dead-letter work that never reached a worker.
            message.last_error = f"publish failed: {exc}"[:1000]
            break
        sent.append(message.id)
    mark_published(session, sent)
    return len(sent)


# Task names: stable strings, so renaming a function never orphans queued messages.
EVALUATE_ITEM = "quorum.item.evaluate"
ROUTE_ITEM = "quorum.item.route"
RESOLVE_ITEM = "quorum.item.resolve"
PROMOTE_ITEM = "quorum.item.promote"
ITEM_TASKS = (EVALUATE_ITEM, ROUTE_ITEM, RESOLVE_ITEM, PROMOTE_ITEM)
