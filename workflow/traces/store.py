"""Registering and reading traces: idempotent on trace id, never half-written."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert
from sqlmodel import Session, col, select

from workflow import audit
from workflow.kernel.db import per_dialect
from workflow.kernel.entities import Page, SpanView, TraceView
from workflow.kernel.errors import AlreadyExists, InvalidInput, NotFound
from workflow.models import Span, Trace
from workflow.models.base import as_utc
from workflow.traces.trace_format import TraceRecord, fingerprint, parse_trace, record_fingerprint


@dataclass(frozen=True)
class Registered:
    """What a registration did: ids created and ids that were there already, unchanged."""

    created: tuple[str, ...]
    existing: tuple[str, ...]


def parse_batch(payloads: Sequence[Any]) -> list[TraceRecord]:
    """Parse every trace first: one bad trace refuses the whole batch before any write."""
    records: dict[str, TraceRecord] = {}
    for position, payload in enumerate(payloads):
        try:
            record = parse_trace(payload)
        except InvalidInput as exc:
            raise InvalidInput(f"trace #{position}: {exc}") from None
        earlier = records.get(record.trace_id)
        if earlier is not None and record_fingerprint(earlier) != record_fingerprint(record):
            raise AlreadyExists(f"trace {record.trace_id} appears twice with different content")
        records[record.trace_id] = record
    return list(records.values())


def _stored_fingerprints(session: Session, trace_ids: list[str]) -> dict[str, str]:
    traces = session.exec(select(Trace).where(col(Trace.trace_id).in_(trace_ids))).all()
    spans: dict[str, list[dict[str, Any]]] = {trace.trace_id: [] for trace in traces}
    if spans:
        statement = select(Span).where(col(Span.trace_id).in_(list(spans)))
        for span in session.exec(statement.order_by(col(Span.position))):
            spans[span.trace_id].append(span.data)
    return {trace.trace_id: fingerprint(trace.info, spans[trace.trace_id]) for trace in traces}


def register_traces(session: Session, *, payloads: Sequence[Any], actor: str) -> Registered:
    """Store new traces with their spans; a repeat is a no-op, a conflicting repeat a 409."""
    records = parse_batch(payloads)
    stored = _stored_fingerprints(session, [record.trace_id for record in records])
    for record in records:
        if record.trace_id in stored and stored[record.trace_id] != record_fingerprint(record):
            raise AlreadyExists(f"trace {record.trace_id} exists with different content")
    fresh = [record for record in records if record.trace_id not in stored]
    created = _insert_new(session, fresh)
    if created:
        audit.record(
            session,
            actor=actor,
            action="traces.register",
            subject_type="trace",
            subject_id=created[0],
            count=len(created),
        )
    existing = tuple(record.trace_id for record in records if record.trace_id not in created)
    return Registered(created=tuple(created), existing=existing)


_INSERT_NEW = per_dialect(
    lambda insert_for_dialect: (
        insert_for_dialect(Trace.__table__)
        .on_conflict_do_nothing()
        .returning(Trace.__table__.c.trace_id)
    )
)


def _insert_new(session: Session, records: list[TraceRecord]) -> list[str]:
    """Insert traces, skipping any a concurrent writer stored first; then their spans."""
    if not records:
        return []
    rows = [
        {
            "trace_id": record.trace_id,
            "experiment_id": record.experiment_id,
            "state": record.state,
            "request_time": record.request_time,
            "info": record.info,
        }
        for record in records
    ]
    statement = _INSERT_NEW(session)
    created = set(session.execute(statement, rows).scalars())
    span_rows = [
        {
            "trace_id": record.trace_id,
            "span_id": span.span_id,
            "parent_span_id": span.parent_span_id,
            "name": span.name,
            "position": span.position,
            "data": span.data,
        }
        for record in records
        if record.trace_id in created
        for span in record.spans
    ]
    if span_rows:
        session.exec(insert(Span), params=span_rows)
    return [record.trace_id for record in records if record.trace_id in created]


def _view(trace: Trace, spans: Sequence[Span] = ()) -> TraceView:
    return TraceView(
        trace_id=trace.trace_id,
        experiment_id=trace.experiment_id,
        state=trace.state,
        request_time=as_utc(trace.request_time),
        info=trace.info,
        spans=tuple(
            SpanView(
                span_id=span.span_id,
                parent_span_id=span.parent_span_id,
                name=span.name,
                data=span.data,
            )
            for span in spans
        ),
    )


def require_trace(session: Session, trace_id: str) -> Trace:
    """The trace row, or RESOURCE_DOES_NOT_EXIST."""
    trace = session.get(Trace, trace_id)
    if trace is None:
        raise NotFound(f"Trace with ID {trace_id} not found.")
    return trace


_TRACE_EXISTS = select(Trace.__table__.c.trace_id).where(
    Trace.__table__.c.trace_id == bindparam("trace_id")
)


def trace_not_found(trace_id: str) -> NotFound:
    """The error for an unknown trace, in MLflow's words."""
    return NotFound(f"Trace with ID {trace_id} not found.")


def ensure_trace(session: Session, trace_id: str) -> None:
    """RESOURCE_DOES_NOT_EXIST unless the trace exists (an index probe, no row loaded)."""
    if session.execute(_TRACE_EXISTS, {"trace_id": trace_id}).first() is None:
        raise trace_not_found(trace_id)


def get_trace(session: Session, *, trace_id: str, with_spans: bool = True) -> TraceView:
    """One trace, with its spans in their registered order unless told otherwise."""
    trace = require_trace(session, trace_id)
    if not with_spans:
        return _view(trace)
    spans = session.exec(
        select(Span).where(Span.trace_id == trace_id).order_by(col(Span.position))
    ).all()
    return _view(trace, spans)


def list_traces(
    session: Session, *, limit: int, page_token: str | None = None, experiment_id: str | None = None
) -> Page[TraceView]:
    """Traces in trace-id order, a page at a time (keyset pagination: stable under inserts)."""
    statement = select(Trace).order_by(col(Trace.trace_id)).limit(limit + 1)
    if page_token:
        statement = statement.where(col(Trace.trace_id) > page_token)
    if experiment_id is not None:
        statement = statement.where(Trace.experiment_id == experiment_id)
    rows = session.exec(statement).all()
    items = tuple(_view(trace) for trace in rows[:limit])
    next_token = rows[limit - 1].trace_id if len(rows) > limit else None
    return Page(items=items, next_page_token=next_token)


def has_span(session: Session, *, trace_id: str, span_id: str) -> bool:
    """Whether the trace has a span with this hex id."""
    return session.get(Span, (trace_id, span_id)) is not None
