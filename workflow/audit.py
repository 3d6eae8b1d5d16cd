"""Writes to the append-only audit log, inside the caller's transaction."""

from typing import Any

from sqlmodel import Session

from workflow.models import AuditEntry


def record(
    session: Session, *, actor: str, action: str, subject_type: str, subject_id: str, **details: Any
) -> None:
    """Append one audit entry; it commits or rolls back with the change it describes."""
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            details=details,
        )
    )


def assessment_changed(
    session: Session, *, actor: str, action: str, assessment_id: str, **details: Any
) -> None:
    """Append the audit entry of a change to one assessment."""
    record(
        session,
        actor=actor,
        action=action,
        subject_type="assessment",
        subject_id=assessment_id,
        **details,
    )
