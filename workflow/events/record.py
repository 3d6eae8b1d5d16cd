"""Recording events: one row per happening (its key makes a repeated task write it once), and,
when some endpoint listens, one wake-up of the webhook dispatcher per transaction."""

from typing import Any

from sqlmodel import Session, select

from workflow import outbox
from workflow.kernel.db import per_dialect
from workflow.kernel.task_names import TaskName
from workflow.models import Event, WebhookEndpoint

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
)
_WOKEN = "quorum.webhooks_woken"
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


def wake(session: Session) -> None:
    """Ask for a delivery pass after this commits (once per transaction)."""
    if not session.info.get(_WOKEN):
        outbox.enqueue(session, TaskName.DELIVER_WEBHOOKS)
        session.info[_WOKEN] = True


def _wake_if_listened(session: Session) -> None:
    """`wake`, only when an endpoint listens; the reconciler's sweep catches what a wake-up
    did not (one rolled back with a savepoint, say)."""
    listening = session.exec(
        select(WebhookEndpoint.id).where(WebhookEndpoint.status == "active").limit(1)
    ).first()
    if listening is not None:
        wake(session)
