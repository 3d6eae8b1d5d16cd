"""Decisions and the canonical expectation they promote: one valid per (trace, span, name)."""

from typing import Any

from sqlalchemy import bindparam, insert, tuple_
from sqlmodel import Session, select

from workflow import audit
from workflow.kernel.entities import Kind, SourceType
from workflow.models import Assessment, Decision, Item, Role
from workflow.models.base import column_values

AUTO, COMMITTEE = "auto", "committee"


_INSERT_DECISION = insert(Decision.__table__).returning(
    Decision.__table__.c.id, sort_by_parameter_order=True
)
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
    record_all(session, [decision])
    return decision


def record_all(session: Session, decisions: list[Decision]) -> None:
    """Write the decisions, numbering them, in one round trip (a Core insert: a decision is
    written once and never changed, so it needs no ORM tracking)."""
    if decisions:
        rows = [column_values(decision) for decision in decisions]
        ids = session.execute(_INSERT_DECISION, rows).scalars().all()
        for decision, decision_id in zip(decisions, ids, strict=True):
            decision.id = decision_id


def valid_canonical(columns: Any = None) -> tuple:
    """The conditions that pick valid canonical expectations (Core columns: ORM and Core alike),
    of the assessments table or of an alias of it given by its `columns`."""
    columns = Assessment.__table__.c if columns is None else columns
    return (columns.role == Role.CANONICAL.value, columns.valid, columns.deleted_at.is_(None))


# Built once (a hot path): the valid canonical expectations of some keys, locked.
_VALID_OF_KEYS = (
    select(Assessment)
    .where(
        tuple_(Assessment.trace_id, Assessment.span_id, Assessment.name).in_(
            bindparam("keys", expanding=True)
        )
    )
    .where(*valid_canonical())
    .with_for_update()
)


def promote_all(session: Session, promotions: list[tuple[Item, Decision]], *, actor: str) -> None:
    """Make each decision's value the canonical expectation of its item; a previous one is
    kept, not valid, and the new one overrides it. Statements do not grow with the items."""
    if not promotions:
        return
    keys = [(item.trace_id, item.span_id, item.name) for item, _ in promotions]
    previous = {
        (row.trace_id, row.span_id, row.name): row
        for row in session.exec(_VALID_OF_KEYS, params={"keys": keys})
    }
    for row in previous.values():
        row.valid = False
        session.add(row)
    # Flushed before the insert: the partial unique index allows one valid canonical at a time.
    session.flush()
    canonicals = [
        _canonical(item, decision, previous.get(key))
        for (item, decision), key in zip(promotions, keys, strict=True)
    ]
    session.execute(_INSERT_ASSESSMENT, [column_values(row) for row in canonicals])
    audit.record_rows(
        session,
        [
            audit.row(
                actor=actor,
                action="canonical.promote",
                subject_type="assessment",
                subject_id=row.assessment_id,
                details={
                    "item_id": item.id,
                    "decision_id": decision.id,
                    "overrides": row.overrides,
                },
            )
            for (item, decision), row in zip(promotions, canonicals, strict=True)
        ],
    )


def _canonical(item: Item, decision: Decision, previous: Assessment | None) -> Assessment:
    return Assessment(
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
