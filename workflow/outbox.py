"""The outbox: enqueue work in the caller's transaction; hand pending rows to a publisher."""

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

from sqlalchemy import bindparam, insert
from sqlmodel import Session, col, select, update

from workflow.db import insert_rows
from workflow.models import OutboxMessage
from workflow.models.base import utcnow

log = logging.getLogger(__name__)


class Publisher(Protocol):
    """Something that hands a task to workers: Celery over a broker, or the in-process worker."""

    def publish(self, message_id: int, task: str, payload: dict[str, Any]) -> None:
        """Send one outbox message; raise if it could not be sent."""


_ENQUEUED = "quorum.outbox.enqueued"


_INSERT = insert(OutboxMessage.__table__).returning(OutboxMessage.__table__.c.id)


def enqueue(session: Session, task: str, **payload: Any) -> int:
    """Add a task to the current transaction: it leaves only if the transaction commits."""
    message_id = session.execute(_INSERT, {"task": task, "payload": payload}).scalar_one()
    session.info[_ENQUEUED] = True
    return message_id


def enqueue_many(session: Session, task: str, payloads: list[dict[str, Any]]) -> None:
    """`enqueue` for many payloads of one task, in one round trip."""
    if payloads:
        now = utcnow()
        rows = [
            {"task": task, "payload": p, "created_at": now, "available_at": now, "attempts": 0}
            for p in payloads
        ]
        insert_rows(session, OutboxMessage.__table__, rows)
        session.info[_ENQUEUED] = True


def enqueued(session: Session) -> bool:
    """Whether this session's work wrote outbox rows, i.e. whether the relay has work now."""
    return session.info.get(_ENQUEUED, False)


class Pending(NamedTuple):
    """A message waiting for the broker: what a publisher needs, read without the ORM."""

    id: int
    task: str
    payload: dict[str, Any]


_COLUMNS = OutboxMessage.__table__.c
_UNPUBLISHED = (
    select(_COLUMNS.id, _COLUMNS.task, _COLUMNS.payload)
    .where(
        _COLUMNS.published_at.is_(None),
        _COLUMNS.completed_at.is_(None),
        _COLUMNS.available_at <= bindparam("now"),
        _COLUMNS.dead_at.is_(None),
    )
    .order_by(_COLUMNS.id)
    .limit(bindparam("limit"))
    # Several relays (one per API process) share the table: each takes rows no other holds.
    .with_for_update(skip_locked=True)
)
_MARK_PUBLISHED = (
    update(OutboxMessage.__table__)
    .where(_COLUMNS.id.in_(bindparam("ids", expanding=True)))
    .values(published_at=bindparam("now"))
)
_PUBLISH_FAILED = (
    update(OutboxMessage.__table__)
    .where(_COLUMNS.id == bindparam("message_id"))
    .values(last_error=bindparam("error"))
)


def unpublished(session: Session, *, limit: int = 500) -> list[Pending]:
    """Messages not yet handed to the broker, oldest first, locked until commit."""
    rows = session.execute(_UNPUBLISHED, {"now": utcnow(), "limit": limit})
    return [Pending(*row) for row in rows]


def mark_published(session: Session, message_ids: Sequence[int]) -> None:
    """Record that these messages reached the broker."""
    if message_ids:
        session.execute(_MARK_PUBLISHED, {"ids": list(message_ids), "now": utcnow()})


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


_TABLE = OutboxMessage.__table__
_OPEN = (_TABLE.c.id == bindparam("message_id"), _TABLE.c.completed_at.is_(None))
_COUNT_DELIVERY = (
    update(_TABLE)
    .where(*_OPEN, _TABLE.c.dead_at.is_(None))
    .values(attempts=_TABLE.c.attempts + 1)
    .returning(_TABLE.c.attempts, _TABLE.c.task)
)
_MARK_COMPLETED = update(_TABLE).where(*_OPEN).values(completed_at=bindparam("now"))
_MARK_DEAD = (
    update(_TABLE).where(*_OPEN).values(dead_at=bindparam("now"), last_error=bindparam("error"))
)


def count_delivery(session: Session, message_id: int, *, max_attempts: int) -> bool:
    """Count one delivery; False if the message is done, dead, or has now had too many."""
    row = session.execute(_COUNT_DELIVERY, {"message_id": message_id}).first()
    if row is None:
        return False
    attempts, task = row
    if attempts <= max_attempts:
        return True
    error = f"dead-lettered after {max_attempts} deliveries"
    session.execute(_MARK_DEAD, {"message_id": message_id, "now": utcnow(), "error": error})
    log.error("outbox message %s (%s) dead-lettered", message_id, task)
    return False


def mark_completed(session: Session, message_id: int) -> bool:
    """Record that a task finished its message; False if it was already done (a redelivery)."""
    result = session.execute(_MARK_COMPLETED, {"message_id": message_id, "now": utcnow()})
    return result.rowcount == 1


def publish_pending(session: Session, publisher: Publisher, *, limit: int = 500) -> int:
    """Publish pending messages; each one sent is marked, a failed one waits for the next try."""
    sent: list[int] = []
    for message in unpublished(session, limit=limit):
        try:
            publisher.publish(message.id, message.task, message.payload)
        except Exception as exc:  # broker down: the row stays pending for the next round
            # Not counted in `attempts`: those are deliveries, and an outage must not
            # dead-letter work that never reached a worker.
            error = f"publish failed: {exc}"[:1000]
            session.execute(_PUBLISH_FAILED, {"message_id": message.id, "error": error})
            break
        sent.append(message.id)
    mark_published(session, sent)
    return len(sent)


# Task names: stable strings, so renaming a function never orphans queued messages.
EVALUATE_ITEM = "quorum.item.evaluate"
# Many items in one message, for bulk imports: one delivery and one publish per hundred items.
EVALUATE_ITEMS = "quorum.items.evaluate"
ROUTE_ITEM = "quorum.item.route"
RESOLVE_ITEM = "quorum.item.resolve"
PROMOTE_ITEM = "quorum.item.promote"
ITEM_TASKS = (EVALUATE_ITEM, EVALUATE_ITEMS, ROUTE_ITEM, RESOLVE_ITEM, PROMOTE_ITEM)
