"""Events and their webhook deliveries: what happened, once, and each endpoint's copy of it with
every attempt to hand it over."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.models.base import json_column, partial_index, time_column, utcnow


class Event(SQLModel, table=True):
    """One thing that happened, written in the transaction that made it happen; `key` makes
    a task that runs twice write it once."""

    __tablename__ = "events"
    __table_args__ = (
        # The dispatcher's work: events not yet given to the endpoints.
        partial_index("ix_events_unsent", "id", where="fanned_out_at IS NULL"),
        # The mailer's: events not yet turned into notices for people.
        partial_index("ix_events_unmailed", "id", where="mailed_at IS NULL"),
    )

    id: int | None = Field(default=None, primary_key=True)
    type: str = Field(max_length=64)
    key: str = Field(max_length=256, unique=True)
    item_id: int | None = None
    campaign_id: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    fanned_out_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    mailed_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))


class WebhookEndpoint(SQLModel, table=True):
    """A receiver of events: all of them or a campaign's, of every type or of `types`. During
    a rotation both secrets sign, until `previous_until`."""

    __tablename__ = "webhook_endpoints"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2048)
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id")
    types: list[str] = Field(default_factory=list, sa_column=json_column())
    secret: str = Field(max_length=128)
    previous_secret: str | None = Field(default=None, max_length=128)
    previous_until: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    # active, paused (by its owner) or disabled (a 410, or failing for days).
    status: str = Field(default="active", max_length=16)
    disabled_reason: str | None = Field(default=None, max_length=500)
    failing_since: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    owner: str = Field(max_length=256)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: its message id (the same on every attempt), where it stands
    (pending, delivered, dead) and when it is tried next."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id", name="uq_delivery_per_endpoint"),
        # The sender's work: pending deliveries by when they are due.
        partial_index("ix_deliveries_due", "next_attempt_at", where="status = 'pending'"),
        Index("ix_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id")
    endpoint_id: int = Field(foreign_key="webhook_endpoints.id")
    message_id: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    last_status: int | None = None
    delivered_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class WebhookAttempt(SQLModel, table=True):
    """One try at a delivery: the answer's status, how long it took, the start of its body,
    or why there was no answer."""

    __tablename__ = "webhook_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhook_deliveries.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    status_code: int | None = None
    latency_ms: float = 0.0
    response: str = Field(default="", max_length=1000)
    error: str | None = Field(default=None, max_length=500)
