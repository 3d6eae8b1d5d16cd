"""Traces and their spans, kept in MLflow's own trace JSON."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from workflow.models.base import json_column, time_column, utcnow


class Trace(SQLModel, table=True):
    """One MLflow trace: its info block as MLflow wrote it, plus the fields Quorum queries."""

    __tablename__ = "traces"

    trace_id: str = Field(primary_key=True, max_length=128)
    experiment_id: str | None = Field(default=None, max_length=64, index=True)
    state: str = Field(default="OK", max_length=32)
    request_time: datetime = Field(sa_column=time_column(index=True))
    info: dict[str, Any] = Field(sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class Span(SQLModel, table=True):
    """One span of a trace; `span_id` is MLflow's 16-hex-digit spelling."""

    __tablename__ = "spans"

    trace_id: str = Field(foreign_key="traces.trace_id", primary_key=True, max_length=128)
    span_id: str = Field(primary_key=True, max_length=16)
    parent_span_id: str | None = Field(default=None, max_length=16)
    name: str = Field(max_length=512)
    position: int
    data: dict[str, Any] = Field(sa_column=json_column())
