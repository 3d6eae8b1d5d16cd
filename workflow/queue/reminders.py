"""Reminders about claims: a claim near its lease's end is told to webhook receivers."""

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from workflow import events
from workflow.models import Seat
from workflow.models.base import as_utc, utcnow

_SEATS = Seat.__table__


# A claim this close to its lease's end is told to webhook receivers (a reminder, say).
EXPIRING_WITHIN = timedelta(minutes=2)


def note_expiring(session: Session) -> int:
    """Record an `assignment.expiring` event for each claim whose lease ends within
    EXPIRING_WITHIN (once per lease: a renewed one is told again near its new end)."""
    now = utcnow()
    rows = session.execute(
        select(_SEATS.c.item_id, _SEATS.c.campaign_id, _SEATS.c.holder, _SEATS.c.lease_expires_at)
        .where(
            _SEATS.c.status == "claimed",
            _SEATS.c.lease_expires_at.between(now, now + EXPIRING_WITHIN),
        )
        .limit(500)
    ).all()
    events.emit_many(
        session,
        [
            (
                "assignment.expiring",
                f"lease:{item_id}:{holder}:{as_utc(until).isoformat()}",
                {
                    "item_id": item_id,
                    "campaign_id": campaign_id,
                    "annotator": holder,
                    "lease_expires_at": as_utc(until).isoformat(),
                    "link": f"/work/items/{item_id}",
                },
                item_id,
                campaign_id,
            )
            for item_id, campaign_id, holder, until in rows
        ],
    )
    return len(rows)
