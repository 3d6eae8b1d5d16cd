"""Notifications raised by the pipeline: stored once per (event, item, round, recipient)."""

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from workflow.db import is_postgres
from workflow.models import Item, Notification

# Recipients that are roles rather than people: delivery (email, webhooks) expands them.
SUBSCRIBERS = "role:subscribers"
LEADS = "role:leads"


def raise_once(
    session: Session, *, event: str, item: Item, recipients: list[str], **payload: Any
) -> int:
    """Store the notification for each recipient unless it exists; returns how many were new.

    Insert-or-ignore on the unique (event, item, round, recipient): a task that runs twice,
    or two at once, raises each notification exactly once.
    """
    if not recipients:
        return 0
    dialect_insert = pg_insert if is_postgres(session) else sqlite_insert
    rows = [
        {
            "event": event,
            "item_id": item.id,
            "review_round": item.review_round,
            "recipient": recipient,
            "payload": payload,
        }
        for recipient in recipients
    ]
    result = session.exec(dialect_insert(Notification).values(rows).on_conflict_do_nothing())
    return result.rowcount
