"""Notifications raised by the pipeline: stored once per (event, item, round, recipient)."""

import hashlib
import json
from typing import Any

from sqlalchemy import Insert
from sqlmodel import Session

from workflow import events
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
    if event in EVENT_OF:
        happenings = [_happening(event, item, payload, recipients) for item, payload in notes]
        events.emit_many(session, happenings)


# The webhook event each notification is (the people it tells are in `recipients`).
EVENT_OF = {
    "item.routed": "review.vote_needed",
    "item.escalated": "item.escalated",
    "item.unstaffed": "item.escalated",
    "item.promoted": "canonical.promoted",
    "item.sent_back": "item.reopened",
}


_LINKS = {"item.routed": "/review/items/{id}", "item.sent_back": "/work/items/{id}"}


def _happening(
    event: str, item: Item, payload: dict[str, Any], recipients: list[str]
) -> events.Happening:
    """The event of one notification: keyed by what it is about, so raising it again (a task
    run twice) records it once."""
    about = json.dumps(payload, sort_keys=True, default=str)
    key = f"{event}:{item.id}:{item.review_round}:{hashlib.sha256(about.encode()).hexdigest()}"
    data = {
        "item_id": item.id,
        "trace_id": item.trace_id,
        "span_id": item.span_id or None,
        "name": item.name,
        "round": item.review_round,
        "campaign_id": item.campaign_id,
        # Where a person acts on it: the desk for a vote, the annotate page for an answer
        # sent back, else the item's history.
        "link": _LINKS.get(event, "/items/{id}/history").format(id=item.id),
        "reason": event,
        "recipients": recipients,
        **payload,
    }
    return (EVENT_OF[event], key[:256], data, item.id, item.campaign_id)
