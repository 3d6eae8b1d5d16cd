"""Notifications raised by the pipeline: stored once per (event, item, round, recipient)."""

from typing import Any

from sqlalchemy import Insert
from sqlmodel import Session

from workflow.kernel.db import per_dialect
from workflow.models import Item, Notification

# Recipients that are roles rather than people: delivery (email, webhooks) expands them.
SUBSCRIBERS = "role:subscribers"
LEADS = "role:leads"


def _insert_or_ignore(insert_for_dialect) -> Insert:
    return insert_for_dialect(Notification.__table__).on_conflict_do_nothing()


_INSERT = per_dialect(_insert_or_ignore)


def raise_once(
    session: Session, *, event: str, item: Item, recipients: list[str], **payload: Any
) -> None:
    """Store the notification for each recipient unless it exists (see `raise_for_each`)."""
    raise_for_each(session, event=event, notes=[(item, payload)], recipients=recipients)


def raise_for_each(
    session: Session, *, event: str, notes: list[tuple[Item, dict[str, Any]]], recipients: list[str]
) -> None:
    """Store, for each (item, payload), the notification for each recipient unless it exists.

    Insert-or-ignore on the unique (event, item, round, recipient): a task that runs twice,
    or two at once, raises each notification exactly once.
    """
    rows = [
        {
            "event": event,
            "item_id": item.id,
            "review_round": item.review_round,
            "recipient": recipient,
            "payload": payload,
        }
        for item, payload in notes
        for recipient in recipients
    ]
    if rows:
        session.execute(_INSERT(session), rows)
