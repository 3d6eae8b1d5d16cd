"""Label schemas and campaigns: what is annotated, by how many, under which policy."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from workflow.models.base import json_column, time_column, utcnow


class LabelSchema(SQLModel, table=True):
    """An expectation name with its value type and agreement policy (the engine's spec as JSON)."""

    __tablename__ = "label_schemas"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=256, unique=True)
    value_type: str = Field(max_length=32)
    spec: dict[str, Any] = Field(sa_column=json_column())
    # Distinct annotators per item for this schema, unless a campaign says otherwise.
    overlap: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class Campaign(SQLModel, table=True):
    """A set of traces x schemas with an annotator pool, an overlap k and how claims are served."""

    __tablename__ = "campaigns"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=256, unique=True)
    status: str = Field(default="open", max_length=16)
    # Distinct annotators per item; with `adaptive`, the first round's count, raised by one
    # while they disagree, up to `max_overlap`.
    overlap: int = Field(default=3, ge=1)
    adaptive: bool = False
    max_overlap: int | None = None
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    # The due date: claims across campaigns are served by priority, then this.
    deadline: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    priority: int = 0
    instructions: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    blind: bool = True
    # Whether annotators see LLM_JUDGE and CODE suggestions (marked as such) while annotating.
    show_suggestions: bool = False
    # Which items a claim takes first: finish_first, breadth_first or in_order.
    ordering: str = Field(default="finish_first", max_length=16)
    lease_seconds: int = 600
    created_by: str = Field(default="", max_length=256)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    closed_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))


class CampaignTrace(SQLModel, table=True):
    """A trace that belongs to a campaign."""

    __tablename__ = "campaign_traces"

    campaign_id: int = Field(foreign_key="campaigns.id", primary_key=True)
    trace_id: str = Field(foreign_key="traces.trace_id", primary_key=True, max_length=128)


class CampaignSchema(SQLModel, table=True):
    """A label schema annotated in a campaign."""

    __tablename__ = "campaign_schemas"

    campaign_id: int = Field(foreign_key="campaigns.id", primary_key=True)
    schema_id: int = Field(foreign_key="label_schemas.id", primary_key=True)
    # A span-level schema picks the spans it labels by name, by type, or both; neither is a
    # trace-level schema.
    span_name: str | None = Field(default=None, max_length=512)
    span_type: str | None = Field(default=None, max_length=64)
