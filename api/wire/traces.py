"""Traces in MLflow's protobuf JSON: `TraceInfo` with assessments, and spans as OpenTelemetry."""

import base64
import hashlib
import json
from typing import Any

from api.wire.assessments import assessment_json
from workflow.kernel.entities import AssessmentView, Kind, SpanView, TraceView
from workflow.kernel.ids import hex_to_base64

# Tells the client the spans are served by this server (GET /traces/get), not an artifact store.
_SPANS_IN_STORE = {"mlflow.trace.spansLocation": "TRACKING_STORE"}
_DEFAULT_LOCATION = {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": "0"}}


def _duration(milliseconds: int) -> str:
    """Milliseconds as a protobuf JSON Duration ("0.045s")."""
    return f"{milliseconds // 1000}.{milliseconds % 1000:03d}s"


def trace_info_json(trace: TraceView, assessments: tuple[AssessmentView, ...]) -> dict[str, Any]:
    """`TraceInfoV3`: the registered info block, its duration as a Duration, its assessments."""
    info = {key: value for key, value in trace.info.items() if key != "execution_duration_ms"}
    duration = trace.info.get("execution_duration_ms")
    if isinstance(duration, int):
        info["execution_duration"] = _duration(duration)
    info.setdefault("trace_location", _DEFAULT_LOCATION)
    info.setdefault("state", trace.state)
    info["tags"] = {**(info.get("tags") or {}), **_SPANS_IN_STORE}
    # MLflow's client drops `valid` when it reads an expectation (Expectation.from_proto), so a
    # superseded expectation listed among the assessments would count again in evaluation. They
    # are listed beside them instead, `valid: false`, under a key the client ignores.
    current = [view for view in assessments if view.valid or view.kind is Kind.FEEDBACK]
    superseded = [view for view in assessments if not view.valid and view.kind is Kind.EXPECTATION]
    info["assessments"] = [assessment_json(view) for view in current]
    info["superseded_assessments"] = [assessment_json(view) for view in superseded]
    return info


def _any_value(value: Any) -> dict[str, Any]:
    """An OpenTelemetry `AnyValue` in protobuf JSON."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"bool_value": value}
    if isinstance(value, int):
        return {"int_value": str(value)}
    if isinstance(value, float):
        return {"double_value": value}
    if isinstance(value, str):
        return {"string_value": value}
    if isinstance(value, list):
        return {"array_value": {"values": [_any_value(item) for item in value]}}
    if isinstance(value, dict):
        return {"kvlist_value": {"values": _key_values(value)}}
    return {"string_value": str(value)}


def _key_values(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    """MLflow keeps attribute values JSON-encoded; OpenTelemetry carries them decoded."""
    pairs = []
    for key, raw in attributes.items():
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            value = raw
        pairs.append({"key": key, "value": _any_value(value)})
    return pairs


def _otel_trace_id(trace_id: str) -> str:
    if trace_id.startswith("tr-") and len(trace_id) == 35:
        return hex_to_base64(trace_id[3:])
    # Not an OpenTelemetry-born id: derive 16 stable bytes so the span still names a trace.
    return base64.b64encode(hashlib.blake2b(trace_id.encode(), digest_size=16).digest()).decode()


def span_json(trace_id: str, span: SpanView) -> dict[str, Any]:
    """One span as an OpenTelemetry `Span` in protobuf JSON."""
    data = span.data
    body: dict[str, Any] = {
        "trace_id": data.get("trace_id") or _otel_trace_id(trace_id),
        "span_id": hex_to_base64(span.span_id),
        "name": span.name,
        "start_time_unix_nano": str(data.get("start_time_unix_nano") or 0),
        "end_time_unix_nano": str(data.get("end_time_unix_nano") or 0),
        "attributes": _key_values(data.get("attributes") or {}),
        "status": data.get("status") or {"code": "STATUS_CODE_UNSET"},
        "events": [
            {
                "name": event.get("name", ""),
                "time_unix_nano": str(event.get("timestamp") or event.get("time_unix_nano") or 0),
                "attributes": _key_values(event.get("attributes") or {}),
            }
            for event in data.get("events") or []
            if isinstance(event, dict)
        ],
    }
    if span.parent_span_id:
        body["parent_span_id"] = hex_to_base64(span.parent_span_id)
    return body


def trace_json(trace: TraceView, assessments: tuple[AssessmentView, ...]) -> dict[str, Any]:
    """`Trace`: its info with assessments and its spans."""
    return {
        "trace_info": trace_info_json(trace, assessments),
        "spans": [span_json(trace.trace_id, span) for span in trace.spans],
    }
