"""The annotator queue: an item's seats (its quota, one annotator each) and recorded skips."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.models.base import partial_index, time_column, utcnow


class Seat(SQLModel, table=True):
    """One of a campaign item's k places: open, claimed under a lease, or submitted.

    An item has exactly as many seat rows as its quota, and (item, holder) is unique, so no
    interleaving of claims and submissions can give an item more than k annotators, or one
    annotator two places on it.
    """

    __tablename__ = "seats"
    __table_args__ = (
        UniqueConstraint("item_id", "holder", name="uq_seats_holder"),
        Index("ix_seats_holder", "holder", "status"),
        # Leases that ran out are found without scanning the seats (the reconciler, a claim).
        partial_index("ix_seats_lease", "lease_expires_at", where="status = 'claimed'"),
    )

    item_id: int = Field(foreign_key="items.id", primary_key=True)
    seat: int = Field(primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    holder: str | None = Field(default=None, max_length=256)
    status: str = Field(default="open", max_length=16)
    lease_expires_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    claimed_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))


class Skip(SQLModel, table=True):
    """An annotator passed on an item, with a reason; they are not offered it again."""

    __tablename__ = "skips"
    __table_args__ = (UniqueConstraint("item_id", "annotator", name="uq_skips_annotator"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id")
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    annotator: str = Field(max_length=256)
    reason: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
