"""The outbox: work for workers, written in the same transaction as the change that causes it."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from workflow.models.base import json_column, time_column, utcnow


class OutboxMessage(SQLModel, table=True):
    """One task to run: published after commit, marked done by the task itself."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "completed_at", "available_at"),)

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(max_length=128)
    # Ids only, never values: a task reads the current state when it runs.
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    available_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    published_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    completed_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    # Set once `attempts` passed the limit: a poison message, kept for a human, never run again.
    dead_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    attempts: int = 0
    last_error: str | None = None
