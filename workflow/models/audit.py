"""The audit log: append-only, one row per change or security-relevant event."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from workflow.models.base import json_column, time_column, utcnow


class AuditEntry(SQLModel, table=True):
    """Who did what to which subject, and when."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=time_column(index=True, now=True))
    actor: str = Field(max_length=256)
    action: str = Field(max_length=64)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=128, index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
