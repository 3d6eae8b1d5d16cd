"""Recording events: one row per happening (its key makes a repeated task write it once), and,
when some endpoint listens, one wake-up of the webhook dispatcher per transaction (and of the
mailer, when the happening names people)."""

import time
from typing import Any

from sqlmodel import Session, select

from workflow import outbox
from workflow.kernel.db import Write, per_dialect
from workflow.kernel.task_names import TaskName
from workflow.models import Event, WebhookEndpoint
from workflow.models.base import utcnow

TYPES = (
    "proposal.submitted",
    "item.agreed",
    "item.disputed",
    "review.vote_needed",
    "review.vote_cast",
    "item.escalated",
    "item.resolved",
    "canonical.promoted",
    "item.reopened",
    "assignment.expiring",
    "campaign.completed",
    "webhook.disabled",
)
# The types that name the people they are for (in `recipients`, or the claim's annotator):
# the mailer is woken for them at once; the others wait for the reconciler's sweep.
ADDRESSED = frozenset(
    {
        "review.vote_needed",
        "item.escalated",
        "item.reopened",
        "assignment.expiring",
        "campaign.completed",
        "webhook.disabled",
    }
)
_WOKEN = "quorum.webhooks_woken"
_MAIL_WOKEN = "quorum.emails_woken"
# Whether some endpoint listens, per database, as read at most this long ago: the proposal
# route is held to four statements on PostgreSQL (tests/api/test_statement_counts.py), and
# reading the endpoints on every proposal would make five. An endpoint registered elsewhere
# is seen within the second; the reconciler's sweep catches the events of that second.
LISTENING_TTL = 1.0
_listening: dict[str, tuple[float, bool]] = {}
_INSERT = per_dialect(
    lambda insert: insert(Event.__table__).on_conflict_do_nothing(index_elements=["key"])
)

# (type, key, payload, item id, campaign id)
Happening = tuple[str, str, dict[str, Any], int | None, int | None]


def emit(
    session: Session,
    type_: str,
    *,
    key: str,
    payload: dict[str, Any],
    item_id: int | None = None,
    campaign_id: int | None = None,
) -> None:
    """Record one event (`key` names the happening: the same key again records nothing)."""
    emit_many(session, [(type_, key, payload, item_id, campaign_id)])


def emit_many(session: Session, happenings: list[Happening]) -> None:
    """Record events (type, key, payload, item id, campaign id) in one statement."""
    if not happenings:
        return
    assert all(type_ in TYPES for type_, *_ in happenings), happenings
    rows = [
        {"type": t, "key": k, "payload": p, "item_id": i, "campaign_id": c}
        for t, k, p, i, c in happenings
    ]
    session.execute(_INSERT(session), rows)
    if not session.info.get(_WOKEN):
        _wake_if_listened(session)
    if any(type_ in ADDRESSED for type_, *_ in happenings):
        wake_mailer(session)


def wake(session: Session) -> None:
    """Ask for a delivery pass after this commits (once per transaction)."""
    if not session.info.get(_WOKEN):
        outbox.enqueue(session, TaskName.DELIVER_WEBHOOKS)
        session.info[_WOKEN] = True


def wake_mailer(session: Session) -> None:
    """Ask for an email pass after this commits (once per transaction)."""
    if not session.info.get(_MAIL_WOKEN):
        outbox.enqueue(session, TaskName.DELIVER_EMAILS)
        session.info[_MAIL_WOKEN] = True


def _wake_if_listened(session: Session) -> None:
    """`wake`, only when an endpoint listens; the reconciler's sweep catches what a wake-up
    did not (one rolled back with a savepoint, say)."""
    database = str(session.get_bind().engine.url)
    checked, listening = _listening.get(database, (0.0, False))
    if time.monotonic() - checked > LISTENING_TTL:
        found = session.exec(
            select(WebhookEndpoint.id).where(WebhookEndpoint.status == "active").limit(1)
        ).first()
        listening = found is not None
        _listening[database] = (time.monotonic(), listening)
    if listening:
        wake(session)


def endpoints_changed() -> None:
    """Forget whether endpoints listen: this process registered, paused or resumed one."""
    _listening.clear()


def row(
    type_: str, key: str, payload: dict[str, Any], item_id: int, campaign_id: int | None
) -> Write:
    """An event as a row of a hot path's one-round-trip insert (`kernel.db.insert_each`),
    for a happening that cannot repeat (a new proposal): no conflict to ignore."""
    values = {
        "type": type_,
        "key": key,
        "item_id": item_id,
        "campaign_id": campaign_id,
        "payload": payload,
        "created_at": utcnow(),
        "fanned_out_at": None,
    }
    return (Event.__table__, values)


def written(session: Session) -> None:
    """A hot path wrote an event with `row`: wake the dispatcher if an endpoint listens."""
    if not session.info.get(_WOKEN):
        _wake_if_listened(session)
