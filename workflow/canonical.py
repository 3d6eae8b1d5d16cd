"""Decisions and the canonical expectation they promote: one valid per (trace, span, name)."""

from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from workflow import audit
from workflow.entities import Kind, SourceType
from workflow.models import Assessment, Decision, Item, Role
from workflow.models.base import column_values

AUTO, COMMITTEE = "auto", "committee"


_INSERT_DECISION = insert(Decision.__table__).returning(Decision.__table__.c.id)
_INSERT_ASSESSMENT = insert(Assessment.__table__)


def record_decision(
    session: Session,
    *,
    item: Item,
    outcome: str,
    method: str,
    value: Any,
    algorithm: str,
    record: dict[str, Any],
    proposals: list[dict[str, Any]],
    voters: list[str] | None = None,
) -> Decision:
    """Write the immutable record of how an item was resolved."""
    assert item.id is not None
    decision = Decision(
        item_id=item.id,
        outcome=outcome,
        method=method,
        value=value,
        algorithm=algorithm,
        record=record,
        proposals=proposals,
        voters=voters or [],
    )
    # A Core insert: a decision is written once and never changed, so it needs no ORM tracking.
    decision.id = session.execute(_INSERT_DECISION, column_values(decision)).scalar_one()
    return decision


def valid_canonical() -> tuple:
    """The conditions that pick valid canonical expectations (Core columns: ORM and Core alike)."""
    columns = Assessment.__table__.c
    return (columns.role == Role.CANONICAL.value, columns.valid, columns.deleted_at.is_(None))


def current_canonical(
    session: Session, *, trace_id: str, span_id: str, name: str
) -> Assessment | None:
    """The valid canonical expectation for (trace, span, name), locked, if there is one."""
    statement = (
        select(Assessment)
        .where(
            Assessment.trace_id == trace_id,
            Assessment.span_id == span_id,
            Assessment.name == name,
            *valid_canonical(),
        )
        .with_for_update()
    )
    return session.exec(statement).first()


def promote(session: Session, *, item: Item, decision: Decision, actor: str) -> Assessment:
    """Make the decision's value the canonical expectation; the previous one is kept, not valid."""
    previous = current_canonical(
        session, trace_id=item.trace_id, span_id=item.span_id, name=item.name
    )
    if previous is not None:
        previous.valid = False
        session.add(previous)
        # Flushed before the insert: the partial unique index allows one valid canonical at a time.
        session.flush()
    canonical = Assessment(
        trace_id=item.trace_id,
        span_id=item.span_id,
        name=item.name,
        kind=Kind.EXPECTATION,
        role=Role.CANONICAL,
        source_type=SourceType.CODE if decision.method == AUTO else SourceType.HUMAN,
        source_id=f"quorum:{decision.method}",
        value=decision.value,
        meta={
            "quorum.decision_id": str(decision.id),
            "quorum.item_id": str(item.id),
            "quorum.method": decision.method,
            "quorum.algorithm": decision.algorithm,
        },
        overrides=previous.assessment_id if previous is not None else None,
        item_id=item.id,
        decision_id=decision.id,
    )
    session.execute(_INSERT_ASSESSMENT, column_values(canonical))
    audit.assessment_changed(
        session,
        actor=actor,
        action="canonical.promote",
        assessment_id=canonical.assessment_id,
        item_id=item.id,
        decision_id=decision.id,
        overrides=canonical.overrides,
    )
    return canonical
