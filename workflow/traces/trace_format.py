"""Reads MLflow's trace JSON (`Trace.to_dict()`) into plain records, refusing what is malformed."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workflow.kernel.errors import InvalidInput
from workflow.kernel.ids import check_trace_id, span_id_to_hex

TRACE_STATES = frozenset({"OK", "ERROR", "IN_PROGRESS", "STATE_UNSPECIFIED"})


@dataclass(frozen=True)
class SpanRecord:
    """A span as Quorum keeps it: hex ids plus the span JSON as given."""

    span_id: str
    parent_span_id: str | None
    name: str
    position: int
    data: dict[str, Any]


@dataclass(frozen=True)
class TraceRecord:
    """A trace as Quorum keeps it: the info block as given plus its spans."""

    trace_id: str
    experiment_id: str | None
    state: str
    request_time: datetime
    info: dict[str, Any]
    spans: tuple[SpanRecord, ...]


def parse_timestamp(raw: Any, *, what: str) -> datetime:
    """An RFC 3339 timestamp (or epoch milliseconds) as aware UTC."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return datetime.fromtimestamp(raw / 1000, UTC)
    if not isinstance(raw, str):
        raise InvalidInput(f"{what} must be an RFC 3339 timestamp")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{what} {raw[:40]!r} is not an RFC 3339 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _otel_trace_hex(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    try:
        decoded = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded.hex() if len(decoded) == 16 else None


def _parse_span(raw: Any, position: int, trace_hex: str | None) -> SpanRecord:
    if not isinstance(raw, dict):
        raise InvalidInput(f"span #{position} must be an object")
    if not isinstance(raw.get("span_id"), str):
        raise InvalidInput(f"span #{position} has no span_id")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidInput(f"span #{position} has no name")
    if not isinstance(raw.get("attributes", {}), dict):
        raise InvalidInput(f"span #{position}: attributes must be an object")
    span_hex = _otel_trace_hex(raw.get("trace_id"))
    if trace_hex and span_hex and span_hex != trace_hex:
        raise InvalidInput(f"span #{position} belongs to another trace")
    parent = raw.get("parent_span_id")
    return SpanRecord(
        span_id=span_id_to_hex(raw["span_id"]),
        parent_span_id=span_id_to_hex(parent) if parent else None,
        name=name,
        position=position,
        data=raw,
    )


def parse_trace(raw: Any) -> TraceRecord:
    """One trace in `Trace.to_dict()` shape: `{"info": {...}, "data": {"spans": [...]}}`."""
    if not isinstance(raw, dict) or not isinstance(raw.get("info"), dict):
        raise InvalidInput('a trace must be an object with an "info" object')
    info = raw["info"]
    trace_id = info.get("trace_id")
    if not isinstance(trace_id, str):
        raise InvalidInput("info.trace_id is required")
    check_trace_id(trace_id)
    state = info.get("state", "OK")
    if state not in TRACE_STATES:
        raise InvalidInput(f"info.state must be one of {sorted(TRACE_STATES)}")
    location = info.get("trace_location") or {}
    experiment = (location.get("mlflow_experiment") or {}) if isinstance(location, dict) else {}
    experiment_id = experiment.get("experiment_id") if isinstance(experiment, dict) else None
    request_time = parse_timestamp(info.get("request_time", 0), what="info.request_time")
    data = raw.get("data") or {}
    spans_raw = data.get("spans", []) if isinstance(data, dict) else None
    if not isinstance(spans_raw, list):
        raise InvalidInput("data.spans must be a list")
    trace_hex = trace_id[3:] if trace_id.startswith("tr-") and len(trace_id) == 35 else None
    spans = tuple(_parse_span(span, i, trace_hex) for i, span in enumerate(spans_raw))
    if len({span.span_id for span in spans}) != len(spans):
        raise InvalidInput(f"trace {trace_id} has two spans with the same span_id")
    stored_info = {key: value for key, value in info.items() if key != "assessments"}
    return TraceRecord(
        trace_id=trace_id,
        experiment_id=str(experiment_id) if experiment_id is not None else None,
        state=state,
        request_time=request_time,
        info=stored_info,
        spans=spans,
    )


def fingerprint(info: dict[str, Any], spans: list[dict[str, Any]]) -> str:
    """A stable text of a trace's content, to tell a repeat from a conflicting re-registration."""
    return json.dumps({"info": info, "spans": spans}, sort_keys=True, separators=(",", ":"))


def record_fingerprint(record: TraceRecord) -> str:
    """The fingerprint of a parsed trace."""
    return fingerprint(record.info, [span.data for span in record.spans])
