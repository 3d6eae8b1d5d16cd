"""The emails Quorum made, as admins read them: to whom, about what, where each stands, and
(in embedded mode) the copy written to the folder."""

from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from sqlalchemy import func
from sqlmodel import Session, col, select

from workflow.identity.access import Actor, Permission
from workflow.kernel.errors import NotFound
from workflow.kernel.settings import Settings
from workflow.mail.transport import copy_path
from workflow.models import Email, EmailNotice
from workflow.models.base import as_utc

STATUSES = ("pending", "sent", "failed", "dead")


@dataclass(frozen=True, slots=True)
class EmailView:
    """One email: its person, subject, how many events it tells, and where it stands."""

    id: int
    username: str
    address: str
    kind: str
    message_id: str
    subject: str | None
    notices: int
    status: str
    attempts: int
    last_code: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


def _view(row: Email, notices: int) -> EmailView:
    assert row.id is not None
    return EmailView(
        row.id,
        row.username,
        row.address,
        row.kind,
        row.message_id,
        row.subject,
        notices,
        row.status,
        row.attempts,
        row.last_code,
        row.last_error,
        as_utc(row.created_at),
        as_utc(row.next_attempt_at),
        as_utc(row.sent_at) if row.sent_at else None,
    )


def _counted():
    told = (
        select(func.count())
        .where(EmailNotice.email_id == Email.id)
        .correlate(Email)
        .scalar_subquery()
    )
    return select(Email, told)


def recent(
    session: Session, *, by: Actor, limit: int = 100, status: str | None = None
) -> list[EmailView]:
    """The latest emails, newest first (of one status, if given); for admins."""
    by.require(Permission.ADMIN, "reading the emails sent")
    query = _counted().order_by(col(Email.id).desc()).limit(limit)
    if status is not None:
        query = query.where(Email.status == status)
    return [_view(row, told) for row, told in session.exec(query).all()]


def email_view(session: Session, *, by: Actor, email_id: int) -> EmailView:
    """One email; for admins."""
    by.require(Permission.ADMIN, "reading the emails sent")
    found = session.exec(_counted().where(Email.id == email_id)).first()
    if found is None:
        raise NotFound(f"no email {email_id}")
    return _view(*found)


def written_copy(settings: Settings, email: EmailView) -> EmailMessage | None:
    """The copy embedded mode wrote of an email, if there is one."""
    path = copy_path(settings.email_dir, email.message_id)
    if not path.is_file():
        return None
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed
