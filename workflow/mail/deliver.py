"""The mailer: new events become notices, due notices emails, and due emails are sent, each
try counted; a temporary failure (4xx, no answer) is retried on a schedule kept in the
database, a permanent one (5xx) recorded and not retried.

An email is locked (FOR UPDATE SKIP LOCKED) while it is sent, so two passes never send one
together; a worker killed after the send and before the commit leaves it pending, and it is
sent once more with the same Message-ID, by which a mail client shows it once."""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr

from sqlmodel import Session, col, select

from workflow.events.record import wake_mailer
from workflow.kernel.backoff import next_try
from workflow.kernel.settings import Settings
from workflow.mail.letters import Composer, Letter, message, notice
from workflow.mail.notices import LIMIT, PENDING, fan_out, gather
from workflow.mail.transport import Outcome, postbox
from workflow.mail.unsubscribe import DIGEST_SCOPE, token
from workflow.models import Email, EmailNotice, Event
from workflow.models.base import utcnow

log = logging.getLogger(__name__)

# Emails one pass may send, and how long it may go on starting sends (well inside the task
# time limit, however slow the server): the rest are the next pass's.
BATCH = 50
PASS_SECONDS = 20.0
# Seconds before each retry after a temporary failure: greylisting servers want minutes;
# after the last, about two days on, the email is dead.
RETRIES = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 57600, 86400)
SENT, FAILED, DEAD = "sent", "failed", "dead"


@dataclass(frozen=True, slots=True)
class MailPass:
    """What one mailer pass did."""

    noticed: int
    made: int
    attempted: int
    sent: int


def deliver(
    session: Session,
    *,
    settings: Settings,
    compose: Composer,
    now: datetime | None = None,
    limit: int = BATCH,
) -> MailPass:
    """One pass: notices for new events, emails for due notices, then up to `limit` sends."""
    now = now or utcnow()
    taken, noticed = fan_out(session, now=now, digest_hours=settings.email_digest_hours)
    gathered, made = gather(session, now=now, sender_domain=_domain(settings.email_from))
    due = session.exec(
        select(Email)
        .where(Email.status == PENDING, col(Email.next_attempt_at) <= now)
        .order_by(col(Email.next_attempt_at), col(Email.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    attempted = sent = 0
    stop = time.monotonic() + PASS_SECONDS
    told = _events_of(session, [e.id for e in due])
    with postbox(settings) as box:
        for email in due:
            if time.monotonic() > stop:
                break
            mail = _worded(email, told.get(email.id, []), settings, compose)
            if mail is None:
                # One email that cannot be written must not hold back the others behind it.
                _record(session, email, Outcome(False, 554, "could not be worded"), now)
            else:
                _record(session, email, box.send(mail), now)
            attempted, sent = attempted + 1, sent + (email.status == SENT)
    if attempted < len(due) or len(due) == limit or LIMIT in (taken, gathered):
        wake_mailer(session)  # more is due now: the next pass takes it, in its own transaction
    return MailPass(noticed, made, attempted, sent)


def _worded(
    email: Email, events: list[Event], settings: Settings, compose: Composer
) -> EmailMessage | None:
    """The message of `email` (its subject kept on the row), or None if it cannot be made."""
    try:
        letter = _letter(email, events, settings)
        words = compose(letter)
        made = message(letter, words, sender=settings.email_from, message_id=email.message_id)
    except Exception:
        log.exception("email %s could not be worded", email.id)
        return None
    email.subject = words.subject[:300]
    return made


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def _events_of(session: Session, email_ids: list[int | None]) -> dict[int, list[Event]]:
    """The events each email tells, in the order they happened, read in one statement."""
    rows = session.exec(
        select(EmailNotice.email_id, Event)
        .join(Event, col(Event.id) == EmailNotice.event_id)
        .where(col(EmailNotice.email_id).in_(email_ids))
        .order_by(col(Event.id))
    ).all()
    told: dict[int, list[Event]] = defaultdict(list)
    for email_id, event in rows:
        told[email_id].append(event)
    return told


def _letter(email: Email, events: list[Event], settings: Settings) -> Letter:
    scope = DIGEST_SCOPE if email.kind == "digest" else events[0].type
    base = settings.public_url()
    signed = token(settings.secret_key, email.username, scope)
    return Letter(
        kind=email.kind,
        username=email.username,
        address=email.address,
        notices=tuple(notice(event, base) for event in events),
        unsubscribe_url=f"{base}/email/unsubscribe/{signed}",
        preferences_url=f"{base}/settings/notifications",
        scope=scope,
    )


def _record(session: Session, email: Email, outcome: Outcome, now: datetime) -> None:
    email.attempts += 1
    email.last_code, email.last_error = outcome.code, outcome.error
    if outcome.sent:
        email.status, email.sent_at = SENT, now
    elif outcome.temporary:
        due = next_try(RETRIES, email.attempts, now)
        email.status = PENDING if due is not None else DEAD
        email.next_attempt_at = due or email.next_attempt_at
    else:
        email.status = FAILED  # the server refused it for good: trying again would not help
    session.add(email)


def wake_if_due(session: Session) -> int:
    """Wake the mailer when emails are due (retries come due here), notices wait for their
    email (a digest's window ended) or events wait to be turned into notices; 1 if woken."""
    now = utcnow()
    waiting = (
        select(Email.id).where(Email.status == PENDING, col(Email.next_attempt_at) <= now),
        select(EmailNotice.id).where(
            col(EmailNotice.email_id).is_(None), col(EmailNotice.due_at) <= now
        ),
        select(Event.id).where(col(Event.mailed_at).is_(None)),
    )
    if all(session.execute(query.limit(1)).first() is None for query in waiting):
        return 0
    wake_mailer(session)
    return 1
