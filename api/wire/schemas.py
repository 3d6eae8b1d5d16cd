"""MLflow's messages in protobuf JSON: the request bodies (snake_case or camelCase) and the
answers (snake_case, as the routes write them)."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue
from pydantic.alias_generators import to_camel


class ProtoModel(BaseModel):
    """Protobuf JSON: accepts the proto field name and its lowerCamelCase json_name."""

    # Unknown fields are ignored, as protobuf's own parser does for newer clients' additions.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class SourceIn(ProtoModel):
    """`AssessmentSource`: who produced the assessment."""

    source_type: str = "SOURCE_TYPE_UNSPECIFIED"
    source_id: str = ""


class SerializedValueIn(ProtoModel):
    """A value MLflow serialised to text (dicts and lists)."""

    serialization_format: str
    value: str


class ExpectationIn(ProtoModel):
    """`Expectation`: a scalar in `value`, or dicts and lists in `serialized_value`."""

    value: JsonValue = None
    serialized_value: SerializedValueIn | None = None


class FeedbackIn(ProtoModel):
    """`Feedback`: a value and, for a failed judge, an error."""

    value: JsonValue = None
    error: dict[str, JsonValue] | None = None


class AssessmentIn(ProtoModel):
    """`Assessment` as the client sends it on create and update."""

    assessment_id: str | None = None
    assessment_name: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    source: SourceIn | None = None
    create_time: str | None = None
    last_update_time: str | None = None
    expectation: ExpectationIn | None = None
    feedback: FeedbackIn | None = None
    rationale: str | None = None
    metadata: dict[str, Any] | None = None
    overrides: str | None = None
    valid: bool | None = None


class CreateAssessmentIn(ProtoModel):
    """Body of `POST /traces/{trace_id}/assessments`."""

    assessment: AssessmentIn


class UpdateAssessmentIn(ProtoModel):
    """Body of `PATCH /traces/{trace_id}/assessments/{assessment_id}`."""

    assessment: AssessmentIn
    # A FieldMask: protobuf JSON writes it as one comma-separated string of camelCase paths.
    update_mask: str | list[str] | dict[str, list[str]] | None = Field(default=None)


# The answers, for /openapi.json: api/wire/assessments.py and traces.py write them as plain
# dicts, which these describe and never check. A key that does not apply is left out, not null.


class SourceOut(BaseModel):
    """`AssessmentSource` as written back."""

    source_type: str
    source_id: str


class SerializedValueOut(BaseModel):
    """A dict or list value, serialised to JSON text."""

    serialization_format: str
    value: str


class ExpectationOut(BaseModel):
    """`Expectation`: a scalar in `value`, or dicts and lists in `serialized_value`."""

    value: JsonValue = None
    serialized_value: SerializedValueOut | None = None


class FeedbackOut(BaseModel):
    """`Feedback`: its value and, for a failed judge, its error."""

    value: JsonValue
    error: dict[str, JsonValue] | None = None


class AssessmentOut(BaseModel):
    """`Assessment`: an expectation or a feedback, with who wrote it and when (RFC 3339)."""

    assessment_id: str
    assessment_name: str
    trace_id: str
    source: SourceOut
    create_time: str
    last_update_time: str
    metadata: dict[str, str]
    valid: bool
    span_id: str | None = None
    expectation: ExpectationOut | None = None
    feedback: FeedbackOut | None = None
    rationale: str | None = None
    overrides: str | None = None


class AssessmentResponse(BaseModel):
    """Answer of create, get and update: the assessment as stored."""

    assessment: AssessmentOut


class DeleteAssessmentResponse(BaseModel):
    """Answer of delete: an empty message."""


class TraceInfoOut(BaseModel):
    """`TraceInfoV3`: the registered info block (its other keys as sent) with its assessments;
    superseded expectations are listed apart, under a key MLflow's client ignores."""

    model_config = ConfigDict(extra="allow")

    trace_id: str
    trace_location: dict[str, Any]
    state: str
    tags: dict[str, str]
    request_time: str | None = None
    execution_duration: str | None = None
    assessments: list[AssessmentOut]
    superseded_assessments: list[AssessmentOut]


class SpanEventOut(BaseModel):
    """An OpenTelemetry span event."""

    name: str
    time_unix_nano: str
    attributes: list[dict[str, Any]]


class SpanOut(BaseModel):
    """An OpenTelemetry `Span`: ids in base64, times in nanoseconds as strings, attributes as
    `KeyValue`s."""

    trace_id: str
    span_id: str
    name: str
    start_time_unix_nano: str
    end_time_unix_nano: str
    attributes: list[dict[str, Any]]
    status: dict[str, Any]
    events: list[SpanEventOut]
    parent_span_id: str | None = None


class TraceOut(BaseModel):
    """`Trace`: its info and, from `GetTrace` only, its spans."""

    trace_info: TraceInfoOut
    spans: list[SpanOut] = []


class TraceResponse(BaseModel):
    """Answer of `GetTrace` and `GetTraceInfoV3`."""

    trace: TraceOut
