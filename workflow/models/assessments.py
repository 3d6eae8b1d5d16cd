"""Assessments as MLflow knows them, each with its Quorum role, and proposal revisions."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from workflow.kernel.entities import AssessmentDraft
from workflow.kernel.ids import new_assessment_id
from workflow.models.base import json_column, partial_unique, time_column, utcnow


class Role(StrEnum):
    """What an assessment is to Quorum."""

    PROPOSAL = "proposal"  # a HUMAN expectation: one annotator's vote for an item
    SUGGESTION = "suggestion"  # an LLM_JUDGE or CODE expectation: shown, never counted
    FEEDBACK = "feedback"  # stored and returned faithfully, not part of consensus
    CANONICAL = "canonical"  # the promoted consensus for (trace, span, name)


class Assessment(SQLModel, table=True):
    """One MLflow assessment (`a-…`), its value stored as JSON so types survive the round trip."""

    __tablename__ = "assessments"
    __table_args__ = (
        partial_unique(
            "uq_assessments_live_proposal",
            "item_id",
            "source_id",
            where="role = 'proposal' AND deleted_at IS NULL",
        ),
        partial_unique(
            "uq_assessments_valid_canonical",
            "trace_id",
            "span_id",
            "name",
            where="role = 'canonical' AND valid AND deleted_at IS NULL",
        ),
        Index("ix_assessments_trace", "trace_id", "created_at"),
    )

    assessment_id: str = Field(default_factory=new_assessment_id, primary_key=True, max_length=40)
    trace_id: str = Field(foreign_key="traces.trace_id", max_length=128)
    span_id: str = Field(default="", max_length=16)
    name: str = Field(max_length=256)
    kind: str = Field(max_length=16)  # "expectation" or "feedback"
    role: str = Field(max_length=16)
    source_type: str = Field(max_length=32)
    source_id: str = Field(max_length=256)
    value: Any = Field(default=None, sa_column=json_column(nullable=True))
    error: dict[str, Any] | None = Field(default=None, sa_column=json_column(nullable=True))
    rationale: str | None = None
    # `metadata` is taken by SQLAlchemy's declarative base, hence the attribute name.
    meta: dict[str, str] = Field(
        default_factory=dict, sa_column=Column("metadata", json_column().type, nullable=False)
    )
    overrides: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    valid: bool = True
    item_id: int | None = Field(default=None, foreign_key="items.id", index=True)
    decision_id: int | None = Field(default=None, foreign_key="decisions.id")
    revision: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    deleted_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))

    @classmethod
    def from_draft(
        cls, trace_id: str, draft: AssessmentDraft, role: Role, *, item_id: int | None = None
    ) -> "Assessment":
        """A new row for a checked draft; the caller's id is kept when it gave one."""
        row = cls(**draft_fields(trace_id, draft, role, item_id=item_id))
        if draft.assessment_id:
            row.assessment_id = draft.assessment_id
        return row


def draft_fields(
    trace_id: str, draft: AssessmentDraft, role: Role, *, item_id: int | None
) -> dict[str, Any]:
    """What a new assessment takes from a checked draft, by attribute name."""
    return {
        "trace_id": trace_id,
        "span_id": draft.span_id or "",
        "name": draft.name,
        "kind": draft.kind,
        "role": role,
        "source_type": draft.source_type,
        "source_id": draft.source_id,
        "value": draft.value,
        "error": draft.error,
        "rationale": draft.rationale,
        "meta": draft.metadata,
        "overrides": draft.overrides,
        "item_id": item_id,
    }


class ProposalRevision(SQLModel, table=True):
    """One version of a proposal: every submission and edit is kept."""

    __tablename__ = "proposal_revisions"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: str = Field(foreign_key="assessments.assessment_id", max_length=40, index=True)
    revision: int
    value: Any = Field(default=None, sa_column=json_column(nullable=True))
    rationale: str | None = None
    meta: dict[str, str] = Field(
        default_factory=dict, sa_column=Column("metadata", json_column().type, nullable=False)
    )
    actor: str = Field(max_length=256)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
