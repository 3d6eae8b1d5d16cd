"""MLflow's wire format: request bodies to domain drafts, domain views to protobuf JSON."""

import json
from datetime import datetime
from typing import Any

from pydantic.alias_generators import to_snake

from api.wire.schemas import AssessmentIn, ExpectationIn, UpdateAssessmentIn
from workflow.kernel.entities import (
    AssessmentChanges,
    AssessmentDraft,
    AssessmentView,
    Kind,
    source_type,
)
from workflow.kernel.errors import InvalidInput

JSON_FORMAT = "JSON_FORMAT"
_MASK_PATHS = frozenset({"assessment_name", "expectation", "feedback", "rationale", "metadata"})


def rfc3339(moment: datetime) -> str:
    """A timestamp as protobuf JSON writes it: UTC, milliseconds, `Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def expectation_value(expectation: ExpectationIn) -> Any:
    """The value of a wire expectation: `value` as it is, or `serialized_value` decoded."""
    if expectation.serialized_value is not None:
        serialized = expectation.serialized_value
        if serialized.serialization_format != JSON_FORMAT:
            raise InvalidInput(
                f"unknown serialization_format {serialized.serialization_format!r}; "
                f"only {JSON_FORMAT} is supported"
            )
        try:
            return json.loads(serialized.value)
        except (ValueError, RecursionError):
            raise InvalidInput("expectation.serialized_value.value is not valid JSON") from None
    return expectation.value


def _kind_and_value(assessment: AssessmentIn) -> tuple[Kind, Any, dict[str, Any] | None]:
    if (assessment.expectation is None) == (assessment.feedback is None):
        raise InvalidInput("exactly one of expectation or feedback must be given")
    if assessment.expectation is not None:
        value = expectation_value(assessment.expectation)
        if value is None:
            raise InvalidInput("an expectation needs a value")
        return Kind.EXPECTATION, value, None
    assert assessment.feedback is not None
    return Kind.FEEDBACK, assessment.feedback.value, assessment.feedback.error


def to_draft(assessment: AssessmentIn, *, trace_id: str) -> AssessmentDraft:
    """The domain draft of a create request; the trace in the body must match the path."""
    if assessment.trace_id and assessment.trace_id != trace_id:
        raise InvalidInput("assessment.trace_id does not match the trace in the path")
    if assessment.source is None:
        raise InvalidInput("assessment.source is required")
    if assessment.assessment_name is None:
        raise InvalidInput("assessment.assessment_name is required")
    kind, value, error = _kind_and_value(assessment)
    return AssessmentDraft(
        name=assessment.assessment_name,
        kind=kind,
        source_type=source_type(assessment.source.source_type),
        source_id=assessment.source.source_id,
        value=value,
        error=error,
        rationale=assessment.rationale,
        metadata=assessment.metadata or {},
        span_id=assessment.span_id or None,
        overrides=assessment.overrides or None,
        assessment_id=assessment.assessment_id or None,
    )


def mask_paths(body: UpdateAssessmentIn) -> set[str]:
    """The update mask as snake_case paths; inferred from the fields present when absent."""
    raw = body.update_mask
    if isinstance(raw, dict):
        raw = raw.get("paths", [])
    if isinstance(raw, str):
        raw = [path for path in raw.split(",") if path.strip()]
    if raw is None:
        present = body.assessment.model_dump(exclude_none=True)
        raw = [path for path in present if path in _MASK_PATHS]
    paths = {to_snake(path.strip()) for path in raw}
    unknown = paths - _MASK_PATHS
    if unknown:
        raise InvalidInput(f"update_mask names fields that cannot be updated: {sorted(unknown)}")
    if not paths:
        raise InvalidInput("update_mask names no field to update")
    return paths


def to_changes(body: UpdateAssessmentIn) -> AssessmentChanges:
    """The domain changes of an update request, limited to the fields its mask names."""
    paths = mask_paths(body)
    assessment = body.assessment
    kind = value = error = None
    sets_value = bool(paths & {"expectation", "feedback"})
    if sets_value:
        if {"expectation", "feedback"} <= paths:
            raise InvalidInput("update either the expectation or the feedback, not both")
        kind, value, error = _kind_and_value(assessment)
    name = assessment.assessment_name if "assessment_name" in paths else None
    if "assessment_name" in paths and not name:
        raise InvalidInput("assessment_name cannot be emptied")
    return AssessmentChanges(
        name=name,
        kind=kind,
        value=value,
        sets_value=sets_value,
        error=error,
        rationale=assessment.rationale if "rationale" in paths else None,
        metadata=(assessment.metadata or {}) if "metadata" in paths else None,
    )


def expectation_json(value: Any) -> dict[str, Any]:
    """As MLflow's client writes it: scalars in `value`, the rest serialised to JSON text."""
    if isinstance(value, bool | int | float | str):
        return {"value": value}
    return {"serialized_value": {"serialization_format": JSON_FORMAT, "value": json.dumps(value)}}


def assessment_json(view: AssessmentView) -> dict[str, Any]:
    """One assessment in MLflow's protobuf JSON."""
    body: dict[str, Any] = {
        "assessment_id": view.assessment_id,
        "assessment_name": view.name,
        "trace_id": view.trace_id,
        "source": {"source_type": view.source_type, "source_id": view.source_id},
        "create_time": rfc3339(view.created_at),
        "last_update_time": rfc3339(view.updated_at),
        "metadata": view.metadata,
        "valid": view.valid,
    }
    if view.span_id:
        body["span_id"] = view.span_id
    if view.kind is Kind.EXPECTATION:
        body["expectation"] = expectation_json(view.value)
    else:
        feedback: dict[str, Any] = {"value": view.value}
        if view.error:
            feedback["error"] = view.error
        body["feedback"] = feedback
    if view.rationale is not None:
        body["rationale"] = view.rationale
    if view.overrides:
        body["overrides"] = view.overrides
    return body
