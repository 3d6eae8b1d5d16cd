"""Writes to the append-only audit log, inside the caller's transaction."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from workflow.models import AuditEntry
from workflow.models.base import as_utc

# A Core insert: entries are never read back by the transaction that writes them, so they
# need no ORM object, and the hot paths (every proposal, every transition) save its cost.
_INSERT = insert(AuditEntry.__table__)


def record(
    session: Session, *, actor: str, action: str, subject_type: str, subject_id: str, **details: Any
) -> None:
    """Append one audit entry; it commits or rolls back with the change it describes."""
    record_rows(
        session,
        [
            row(
                actor=actor,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                details=details,
            )
        ],
    )


def row(*, actor: str, action: str, subject_type: str, subject_id: str, details: Any) -> dict:
    """One audit entry as `record_rows` takes it."""
    return {
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "details": details,
    }


def record_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append the entries made by `row`, in order, in one round trip."""
    if rows:
        session.execute(_INSERT, rows)


def assessment_changed(session: Session, *, actor: str, action: str, assessment_id: str) -> None:
    """Append the audit entry of a change to one assessment that is not a proposal (whose
    entries `proposals.change_entry` builds, to insert with the change's own rows)."""
    record(session, actor=actor, action=action, subject_type="assessment", subject_id=assessment_id)


@dataclass(frozen=True, slots=True)
class AuditView:
    """One audit entry as the API and the audit page show it."""

    id: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]


def entries(
    session: Session,
    *,
    limit: int,
    before: int | None = None,
    actor: str | None = None,
    action: str | None = None,
) -> list[AuditView]:
    """The newest entries first, a page at a time (`before` is the last id of the page before)."""
    statement = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if before is not None:
        statement = statement.where(col(AuditEntry.id) < before)
    if actor is not None:
        statement = statement.where(AuditEntry.actor == actor)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    return [
        AuditView(
            id=row.id or 0,
            at=as_utc(row.at),
            actor=row.actor,
            action=row.action,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            details=row.details,
        )
        for row in session.exec(statement)
    ]
