"""Email: each person's preferences, each event a person is to hear of, and each message sent,
with where it stands."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.models.base import partial_index, time_column, utcnow


class EmailPreference(SQLModel, table=True):
    """How one person hears of one event type: immediately, in a daily digest, or not at all."""

    __tablename__ = "email_preferences"

    username: str = Field(max_length=256, primary_key=True)
    event_type: str = Field(max_length=64, primary_key=True)
    mode: str = Field(max_length=16)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class EmailNotice(SQLModel, table=True):
    """One event for one person: the one email that tells it (its own, or a digest's) is made
    at `due_at`."""

    __tablename__ = "email_notices"
    __table_args__ = (
        UniqueConstraint("event_id", "username", name="uq_notice_per_person"),
        # The digest's work: notices not yet in an email, by when they are due.
        partial_index("ix_notices_unsent", "due_at", where="email_id IS NULL"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id")
    username: str = Field(max_length=256)
    mode: str = Field(max_length=16)
    due_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    email_id: int | None = Field(default=None, foreign_key="emails.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class Email(SQLModel, table=True):
    """One message to one person: its Message-ID, the same on every try; where it stands
    (pending, sent, failed for good, dead after the last retry); the last answer."""

    __tablename__ = "emails"
    __table_args__ = (
        # The sender's work: pending emails by when they are due.
        partial_index("ix_emails_due", "next_attempt_at", where="status = 'pending'"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # event:{event id}:{user} or digest:{user}:{window end}: made twice, it is one email.
    key: str = Field(max_length=400, unique=True)
    username: str = Field(max_length=256, index=True)
    address: str = Field(max_length=320)
    kind: str = Field(max_length=16)  # event or digest
    message_id: str = Field(max_length=200)
    subject: str | None = Field(default=None, max_length=300)  # once composed
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    last_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    sent_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
