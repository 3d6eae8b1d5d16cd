"""Column types and clocks shared by every table."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, text
from sqlalchemy.dialects.postgresql import JSONB

# JSONB on PostgreSQL (indexable, compact), plain JSON text on SQLite.
JsonType = JSON(none_as_null=False).with_variant(JSONB(none_as_null=False), "postgresql")


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored datetime as aware UTC (SQLite hands them back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def json_column(*, nullable: bool = False) -> Any:
    """A JSON column (JSONB on PostgreSQL)."""
    return Column(JsonType, nullable=nullable)


def time_column(*, nullable: bool = False, index: bool = False, now: bool = False) -> Any:
    """A timezone-aware timestamp column; `now` makes core inserts default it to the clock too."""
    return Column(
        DateTime(timezone=True), nullable=nullable, index=index, default=utcnow if now else None
    )


def partial_unique(name: str, *columns: str, where: str) -> Index:
    """A unique index over the rows matching `where`, on PostgreSQL and SQLite alike."""
    return Index(
        name, *columns, unique=True, sqlite_where=text(where), postgresql_where=text(where)
    )
