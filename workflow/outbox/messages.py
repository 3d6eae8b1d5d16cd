"""The outbox: enqueue work in the caller's transaction; hand pending rows to a publisher."""

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, bindparam, case, exists, insert, or_
from sqlmodel import Session, col, func, select, update

from workflow.kernel.db import after_commit, insert_rows
from workflow.models import OutboxMessage
from workflow.models.base import utcnow

log = logging.getLogger(__name__)


class Publisher(Protocol):
    """Something that hands a task to workers: Celery over a broker, or the in-process worker."""

    def publish(self, task: str, messages: "Sequence[Pending]") -> None:
        """Send one delivery of `task` carrying `messages`; raise if it could not be sent."""


# Who to wake when a transaction that wrote outbox rows commits, per engine: the relay of this
# process (or a Celery worker's publisher of follow-up work).
_WAKERS: "WeakKeyDictionary[Engine, Callable[[], None]]" = WeakKeyDictionary()


def wake_on_commit(engine: Engine, wake: Callable[[], None]) -> None:
    """Call `wake` after every commit on `engine` that wrote outbox rows."""
    _WAKERS[engine] = wake


def stop_waking(engine: Engine, wake: Callable[[], None]) -> None:
    """Undo `wake_on_commit` (if nobody has registered another since)."""
    if _WAKERS.get(engine) == wake:
        del _WAKERS[engine]


def _wake(session: Session) -> None:
    """Register the engine's wake-up to run once after this transaction commits."""
    bind = session.get_bind()
    wake = _WAKERS.get(getattr(bind, "engine", bind))
    if wake is not None:
        after_commit(session, wake)


_INSERT = insert(OutboxMessage.__table__).returning(OutboxMessage.__table__.c.id)


def enqueue(session: Session, task: str, **payload: Any) -> int:
    """Add a task to the current transaction: it leaves only if the transaction commits."""
    message_id = session.execute(_INSERT, {"task": task, "payload": payload}).scalar_one()
    _wake(session)
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
        _wake(session)


class Pending(NamedTuple):
    """A message waiting for the broker: what a publisher needs, read without the ORM."""

    id: int
    task: str
    payload: dict[str, Any]


_COLUMNS = OutboxMessage.__table__.c
_PENDING = (
    _COLUMNS.published_at.is_(None),
    _COLUMNS.completed_at.is_(None),
    _COLUMNS.available_at <= bindparam("now"),
    _COLUMNS.dead_at.is_(None),
)
# Claimed by marking them published in the statement that picks them: one round trip. Several
# relays (one per API process) share the table: each takes rows no other holds.
_CLAIM = (
    update(OutboxMessage.__table__)
    .where(
        _COLUMNS.id.in_(
            select(_COLUMNS.id)
            .where(*_PENDING)
            .order_by(_COLUMNS.id)
            .limit(bindparam("limit"))
            .with_for_update(skip_locked=True)
        )
    )
    .values(published_at=bindparam("now"))
    .returning(_COLUMNS.id, _COLUMNS.task, _COLUMNS.payload)
)
_RELEASE = (
    update(OutboxMessage.__table__)
    .where(_COLUMNS.id.in_(bindparam("ids", expanding=True)))
    .values(published_at=None, last_error=bindparam("error"))
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


_TABLE = OutboxMessage.__table__
_IN = _TABLE.c.id.in_(bindparam("message_ids", expanding=True))
_OPEN = _TABLE.c.completed_at.is_(None)
_DIES = _TABLE.c.attempts + 1 > bindparam("max_attempts")
# Counted, and dead-lettered past the limit, in one statement: a delivery's admission is then
# one round trip where it runs on its own (autocommit).
_COUNT_DELIVERY = (
    update(_TABLE)
    .where(_IN, _OPEN, _TABLE.c.dead_at.is_(None))
    .values(
        attempts=_TABLE.c.attempts + 1,
        dead_at=case((_DIES, bindparam("now")), else_=None),
        last_error=case((_DIES, bindparam("error")), else_=_TABLE.c.last_error),
    )
    .returning(_TABLE.c.id, _TABLE.c.task, _TABLE.c.dead_at)
)
_MARK_COMPLETED = (
    update(_TABLE).where(_IN, _OPEN).values(completed_at=bindparam("now")).returning(_TABLE.c.id)
)


def count_deliveries(session: Session, message_ids: list[int], *, max_attempts: int) -> set[int]:
    """Count one delivery of each message; returns those that may run (not done, not dead, and
    not past `max_attempts` with this one, which dead-letters them)."""
    error = f"dead-lettered after {max_attempts} deliveries"
    params = {"max_attempts": max_attempts, "now": utcnow(), "error": error}
    admitted = set()
    for message_id, task, dead_at in session.execute(
        _COUNT_DELIVERY, {"message_ids": message_ids, **params}
    ):
        if dead_at is None:
            admitted.add(message_id)
        else:
            log.error("outbox message %s (%s) dead-lettered", message_id, task)
    return admitted


_OTHER = _TABLE.alias("other")
# A message of this delivery that some delivery started and did not finish: a redelivery.
_STARTED = exists().where(
    _OTHER.c.id.in_(bindparam("message_ids", expanding=True)),
    _OTHER.c.attempts > 0,
    _OTHER.c.completed_at.is_(None),
)
# Messages of the task that nobody has started, published or not, oldest first.
_WAITING = (
    select(_OTHER.c.id)
    .where(
        _OTHER.c.task == bindparam("of_task"),
        _OTHER.c.attempts == 0,
        _OTHER.c.completed_at.is_(None),
        _OTHER.c.dead_at.is_(None),
        _OTHER.c.available_at <= bindparam("now"),
    )
    .order_by(_OTHER.c.id)
    .limit(bindparam("room"))
    .with_for_update(skip_locked=True)
)
_GATHER = (
    update(_TABLE)
    .where(~_STARTED, _OPEN, _TABLE.c.dead_at.is_(None), or_(_IN, _TABLE.c.id.in_(_WAITING)))
    .values(
        attempts=_TABLE.c.attempts + 1,
        published_at=func.coalesce(_TABLE.c.published_at, bindparam("now")),
    )
    .returning(_TABLE.c.id, _TABLE.c.payload)
)


def gather_first_delivery(
    session: Session, task: str, message_ids: list[int], *, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """Count a first delivery of these messages, and take with them the other messages of
    `task` nobody has started (up to `limit` in all), counted too and marked published
    so the relay leaves them be; returns them all, (id, payload) in id order. Returns none
    when a message of the delivery was started before and not finished (a redelivery, whose
    messages must each be counted only when it starts) or when nothing is left to run.

    A worker behind its queue then evaluates what waits in one transaction instead of one
    delivery each; a message taken this way finds itself done when its own delivery comes.
    """
    room = max(0, limit - len(message_ids))
    params = {"message_ids": message_ids, "of_task": task, "room": room, "now": utcnow()}
    return sorted((message_id, payload) for message_id, payload in session.execute(_GATHER, params))


def mark_all_completed(session: Session, message_ids: list[int]) -> set[int]:
    """Record that a task finished these messages; returns those not already done (a
    redelivery finds its messages done and must not run them again)."""
    rows = session.execute(_MARK_COMPLETED, {"message_ids": message_ids, "now": utcnow()})
    return {message_id for (message_id,) in rows}


def record_failure(session: Session, message_id: int, error: str) -> None:
    """Keep why a message's run failed, for /health and whoever reads the dead letters."""
    session.execute(update(_TABLE).where(_TABLE.c.id == message_id).values(last_error=error[:1000]))


def mark_completed(session: Session, message_id: int) -> bool:
    """Record that a task finished its message; False if it was already done (a redelivery)."""
    return bool(mark_all_completed(session, [message_id]))


# Messages a relay round claims at most; a round that claimed fewer found the table empty.
ROUND_LIMIT = 500


def publish_pending(
    session: Session,
    publisher: Publisher,
    *,
    coalesce: Mapping[str, int],
    limit: int = ROUND_LIMIT,
) -> int:
    """Claim pending messages and publish them as deliveries (see `deliveries`), in order; the
    ones a failed publish leaves behind are released, with the error, for the next round.
    Returns how many messages were sent."""
    rows = session.execute(_CLAIM, {"now": utcnow(), "limit": limit})
    batches = deliveries(sorted(Pending(*row) for row in rows), coalesce)
    sent = 0
    for index, (task, messages) in enumerate(batches):
        try:
            publisher.publish(task, messages)
        except Exception as exc:  # broker down: the rest stay pending for the next round
            # Not counted in `attempts`: those are deliveries, and an outage must not
            # dead-letter work that never reached a worker.
            left = [message.id for _, rest in batches[index:] for message in rest]
            session.execute(_RELEASE, {"ids": left, "error": f"publish failed: {exc}"[:1000]})
            break
        sent += len(messages)
    return sent


def deliveries(
    messages: list[Pending], coalesce: Mapping[str, int]
) -> list[tuple[str, list[Pending]]]:
    """Messages grouped into deliveries: those of a task in `coalesce` travel together, up to
    its limit; any other message travels alone. In order of each delivery's first message."""
    grouped: list[tuple[str, list[Pending]]] = []
    open_groups: dict[str, list[Pending]] = {}
    for message in messages:
        limit = coalesce.get(message.task, 1)
        group = open_groups.get(message.task)
        if group is None or len(group) >= limit:
            group = open_groups[message.task] = []
            grouped.append((message.task, group))
        group.append(message)
    return grouped
