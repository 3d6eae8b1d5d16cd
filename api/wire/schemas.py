"""Request bodies of MLflow's assessment routes, in protobuf JSON (snake_case or camelCase)."""

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
