"""From events to emails: each new event becomes a notice per person to hear of it, and the
notices that are due become emails, one each or one digest per person and window."""

import hashlib
import hmac
import math
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import bindparam, or_
from sqlmodel import Session, col, select

from workflow.identity.instance import instance_secret
from workflow.mail.preferences import DIGEST, IMMEDIATE
from workflow.mail.recipients import people_for
from workflow.models import Email, EmailNotice, Event, User
from workflow.models.base import as_utc

PENDING = "pending"
# Events, or notices, one pass takes at most: the rest are the next pass's.
LIMIT = 500
# Their statements go through the tables: an ORM update would first look through every row
# the session holds for the ones it changes.
_NOTICES, _EVENTS = EmailNotice.__table__, Event.__table__


def window_end(at: datetime, hours: float) -> datetime:
    """The end of the digest window `at` falls in: windows are laid end to end from the
    epoch, so a day's window ends at midnight UTC."""
    length = hours * 3600
    return datetime.fromtimestamp(math.floor(as_utc(at).timestamp() / length + 1) * length, UTC)


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
        session.execute(_NOTICES.insert(), rows)
    session.execute(
        _EVENTS.update().where(_EVENTS.c.id.in_([e.id for e in events])).values(mailed_at=now)
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
    gone = [n.id for n in due if n.username not in addresses]
    if gone:
        # The person removed their address (or was disabled) since: they want no email.
        session.execute(_NOTICES.delete().where(_NOTICES.c.id.in_(gone)))
    wanted = {k: notices for k, notices in groups.items() if notices[0].username in addresses}
    emails = _emails_for(session, wanted, addresses, now, sender_domain)
    assigned = [
        {"notice": n.id, "email": emails[key].id}
        for key, notices in wanted.items()
        for n in notices
    ]
    if assigned:
        session.execute(
            _NOTICES.update()
            .where(_NOTICES.c.id == bindparam("notice"))
            .values(email_id=bindparam("email")),
            assigned,
        )
    return len(due), len(wanted)


def _message_id(salt: bytes, key: str, domain: str) -> str:
    """The Message-ID of the email of `key`, keyed by the installation's own secret: another
    installation's email of the same key (a database made afresh) is another message."""
    return f"<{hmac.new(salt, key.encode(), hashlib.sha256).hexdigest()[:32]}@{domain}>"


def _addresses(session: Session, usernames: set[str]) -> dict[str, str]:
    rows = session.exec(
        select(User.username, User.email).where(
            col(User.username).in_(sorted(usernames)), col(User.disabled).is_(False)
        )
    ).all()
    return {name: email for name, email in rows if email}


def _emails_for(
    session: Session,
    groups: dict[str, list[EmailNotice]],
    addresses: dict[str, str],
    now: datetime,
    domain: str,
) -> dict[str, Email]:
    """The email of each key: a digest's not sent yet if there is one (a window gathered over
    two passes goes out as one email while the first is pending), else a new one, all made in
    one flush."""
    found: dict[str, Email] = {}
    digests = [key for key in groups if key.startswith("digest:")]
    if digests:
        for email in session.exec(select(Email).where(col(Email.key).in_(digests))).all():
            found[email.key] = email
    made = {}
    salt = instance_secret(session, "message-ids").encode()
    for key, notices in groups.items():
        final = key
        if key in found:
            earlier = _made(session, key)
            waiting = [e for e in earlier if e.status == PENDING and e.attempts == 0]
            if waiting:
                made[key] = waiting[-1]
                continue
            final = f"{key}#{len(earlier) + 1}"  # every one made so far was tried
        first = notices[0]
        made[key] = Email(
            key=final,
            username=first.username,
            address=addresses[first.username],
            kind="digest" if first.mode == DIGEST else "event",
            # Made from the key: an email made again (its first pass died after the send)
            # has the Message-ID the server saw, by which a mail client shows the copy once.
            message_id=_message_id(salt, final, domain),
            next_attempt_at=now,
            created_at=now,
        )
        session.add(made[key])
    session.flush()
    return made


def _made(session: Session, key: str) -> list[Email]:
    # A later one is `key#2`...: "#" is in no user name, so no other key starts so.
    return list(
        session.exec(
            select(Email)
            .where(or_(Email.key == key, col(Email.key).startswith(key + "#")))
            .order_by(col(Email.id))
        ).all()
    )
