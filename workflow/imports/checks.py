"""What a bulk import checks before it writes anything: every entry as a single call would
check it, in a few set-based queries; all failures reported together."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from workflow.assessments.commands import checked_draft
from workflow.consensus import ConsensusError, LabelSchemaSpec
from workflow.kernel.entities import AssessmentDraft, Kind, SourceType
from workflow.kernel.errors import AlreadyExists, InvalidInput, NotFound, QuorumError
from workflow.kernel.values import ValueLimits
from workflow.models import Assessment, LabelSchema, Span, Trace

# Rows per statement: PostgreSQL takes at most 65,535 parameters in one.
CHUNK = 1000
_REPORTED_ERRORS = 10
_ASSESSMENTS = Assessment.__table__.c


def chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    """`values` in slices of CHUNK, one statement each."""
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]


def check_entries(entries: Sequence[tuple[str, AssessmentDraft]], limits: ValueLimits) -> list:
    """Every entry checked as a single call would check it; all failures reported together."""
    checked, errors = [], []
    for index, (trace_id, draft) in enumerate(entries):
        try:
            if draft.kind is not Kind.EXPECTATION or draft.source_type is not SourceType.HUMAN:
                raise InvalidInput("only HUMAN expectations (proposals) are imported in bulk")
            if draft.overrides:
                raise InvalidInput("overrides is not taken by the bulk import")
            checked.append((trace_id, checked_draft(draft, limits)))
        except QuorumError as exc:
            errors.append(f"entry {index}: {exc}")
    if errors:
        more = len(errors) - _REPORTED_ERRORS
        tail = f"; and {more} more" if more > 0 else ""
        raise InvalidInput("; ".join(errors[:_REPORTED_ERRORS]) + tail)
    return checked


def require_traces_and_spans(session: Session, entries: list) -> None:
    trace_ids = sorted({trace_id for trace_id, _ in entries})
    known: set[str] = set()
    for chunk in chunks(trace_ids):
        known.update(session.scalars(select(Trace.trace_id).where(Trace.trace_id.in_(chunk))))
    missing = [trace_id for trace_id in trace_ids if trace_id not in known]
    if missing:
        raise NotFound(f"unknown traces: {', '.join(missing[:_REPORTED_ERRORS])}")
    wanted = sorted({(t, d.span_id) for t, d in entries if d.span_id})
    spans: set[tuple[str, str]] = set()
    for chunk in chunks(sorted({t for t, _ in wanted})):
        statement = select(Span.trace_id, Span.span_id).where(Span.trace_id.in_(chunk))
        spans.update((trace_id, span_id) for trace_id, span_id in session.execute(statement))
    strangers = [f"{span} of {trace}" for trace, span in wanted if (trace, span) not in spans]
    if strangers:
        raise InvalidInput(f"spans not in their trace: {', '.join(strangers[:_REPORTED_ERRORS])}")


def refuse_taken_ids(session: Session, entries: list) -> None:
    given = [draft.assessment_id for _, draft in entries if draft.assessment_id]
    if len(given) != len(set(given)):
        raise InvalidInput("an assessment_id appears twice in the batch")
    for chunk in chunks(given):
        taken = session.scalars(
            select(_ASSESSMENTS.assessment_id).where(_ASSESSMENTS.assessment_id.in_(chunk))
        ).first()
        if taken is not None:
            raise AlreadyExists(f"assessment {taken} already exists")


def check_schemas(session: Session, entries: list, items: dict) -> None:
    schema_ids = {row.schema_id for row in items.values() if row.schema_id is not None}
    if not schema_ids:
        return
    schemas = session.execute(select(LabelSchema).where(LabelSchema.id.in_(schema_ids))).scalars()
    specs = {schema.id: (schema.name, LabelSchemaSpec.from_dict(schema.spec)) for schema in schemas}
    for index, (trace_id, draft) in enumerate(entries):
        schema_id = items[(trace_id, draft.span_id or "", draft.name)].schema_id
        if schema_id is None:
            continue
        name, spec = specs[schema_id]
        try:
            spec.validate(draft.value)
        except ConsensusError as exc:
            message = f"entry {index}: value does not fit label schema {name!r}: {exc}"
            raise InvalidInput(message) from None
