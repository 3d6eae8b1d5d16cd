"""From events to emails: each new event becomes a notice per person to hear of it, and the
notices that are due become emails, one each or one digest per person and window."""

import hashlib
import hmac
import math
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from workflow.identity.instance import instance_secret
from workflow.mail.preferences import DIGEST, IMMEDIATE
from workflow.mail.recipients import people_for
from workflow.models import Email, EmailNotice, Event, User
from workflow.models.base import as_utc

PENDING = "pending"


def window_end(at: datetime, hours: float) -> datetime:
    """The end of the digest window `at` falls in: windows are laid end to end from the
    epoch, so a day's window ends at midnight UTC."""
    length = hours * 3600
    return datetime.fromtimestamp(math.floor(as_utc(at).timestamp() / length + 1) * length, UTC)


LIMIT = 500


def fan_out(
    session: Session, *, now: datetime, digest_hours: float, limit: int = LIMIT
) -> tuple[int, int]:
    """One notice per (new event, person to hear of it); returns how many events it took
    (`limit` of them: more may wait) and how many notices it made."""
    events = session.exec(
        select(Event)
        .where(col(Event.mailed_at).is_(None))
        .order_by(col(Event.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not events:
        return 0, 0
    people = people_for(session, list(events))
    rows = [
        {
            "event_id": event.id,
            "username": username,
            "mode": mode,
            "due_at": now if mode == IMMEDIATE else window_end(event.created_at, digest_hours),
            "created_at": now,
        }
        for event in events
        for username, _address, mode in people[event.id]
    ]
    if rows:
        session.execute(EmailNotice.__table__.insert(), rows)
    session.execute(
        update(Event).where(col(Event.id).in_([e.id for e in events])).values(mailed_at=now)
    )
    return len(events), len(rows)


def gather(
    session: Session, *, now: datetime, sender_domain: str, limit: int = LIMIT
) -> tuple[int, int]:
    """Make the emails of the notices now due: an immediate notice its own, a person's digest
    notices of one window one together; returns how many notices it took and emails it made."""
    due = session.exec(
        select(EmailNotice)
        .where(col(EmailNotice.email_id).is_(None), col(EmailNotice.due_at) <= now)
        .order_by(col(EmailNotice.due_at), col(EmailNotice.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    groups: dict[str, list[EmailNotice]] = defaultdict(list)
    for notice in due:
        if notice.mode == DIGEST:
            key = f"digest:{notice.username}:{as_utc(notice.due_at).isoformat()}"
        else:
            key = f"event:{notice.event_id}:{notice.username}"
        groups[key].append(notice)
    addresses = _addresses(session, {n.username for n in due})
    made = 0
    for key, notices in groups.items():
        address = addresses.get(notices[0].username)
        ids = [n.id for n in notices]
        if address is None:
            # The person removed their address (or was disabled) since: they want no email.
            session.execute(delete(EmailNotice).where(col(EmailNotice.id).in_(ids)))
            continue
        email = _email_for(session, key, notices[0], address, now, sender_domain)
        made += 1
        session.execute(
            update(EmailNotice).where(col(EmailNotice.id).in_(ids)).values(email_id=email.id)
        )
    return len(due), made


def _message_id(session: Session, key: str, domain: str) -> str:
    """The Message-ID of the email of `key`, keyed by the installation's own secret: another
    installation's email of the same key (a database made afresh) is another message."""
    salt = instance_secret(session, "message-ids").encode()
    return f"<{hmac.new(salt, key.encode(), hashlib.sha256).hexdigest()[:32]}@{domain}>"


def _addresses(session: Session, usernames: set[str]) -> dict[str, str]:
    rows = session.exec(
        select(User.username, User.email).where(
            col(User.username).in_(sorted(usernames)), col(User.disabled).is_(False)
        )
    ).all()
    return {name: email for name, email in rows if email}


def _email_for(
    session: Session, key: str, first: EmailNotice, address: str, now: datetime, domain: str
) -> Email:
    """The email of `key` not sent yet, or a new one: a digest window gathered over two
    passes goes out as one email if the first is still pending, else as a second."""
    made = session.exec(
        # A later one is `key#2`...: "#" is in no user name, so no other key starts so.
        select(Email)
        .where(or_(Email.key == key, col(Email.key).startswith(key + "#")))
        .order_by(col(Email.id))
    ).all()
    waiting = [email for email in made if email.status == PENDING and email.attempts == 0]
    if waiting:
        return waiting[-1]
    key = key if not made else f"{key}#{len(made) + 1}"
    email = Email(
        key=key,
        username=first.username,
        address=address,
        kind="digest" if first.mode == DIGEST else "event",
        # Made from the key: an email made again (its first pass died after the send) has
        # the Message-ID the server saw, by which a mail client shows the copy once.
        message_id=_message_id(session, key, domain),
        next_attempt_at=now,
        created_at=now,
    )
    session.add(email)
    session.flush()
    return email
