"""A campaign's dashboard: its figures as the last snapshot computed them, and whether
decisions have come since."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from workflow.models.base import json_column, time_column


class DashboardSnapshot(SQLModel, table=True):
    """The figures of one campaign's dashboard, computed by a worker after decisions."""

    __tablename__ = "dashboard_snapshots"

    campaign_id: int = Field(foreign_key="campaigns.id", primary_key=True)
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    # The newest decision the figures include: a later one makes them stale.
    last_decision_id: int = 0
    computed_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    # Set when a decision came after the figures and a snapshot was asked for; cleared by it.
    stale_since: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    took_seconds: float = 0.0
