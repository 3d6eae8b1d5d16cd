"""Plain, immutable views the services return: edges never see ORM rows."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from workflow.kernel.errors import InvalidInput


class SourceType(StrEnum):
    """Who produced an assessment, in MLflow's words; only HUMAN expectations are votes."""

    HUMAN = "HUMAN"
    LLM_JUDGE = "LLM_JUDGE"
    CODE = "CODE"


class Kind(StrEnum):
    """The two assessment kinds Quorum stores."""

    EXPECTATION = "expectation"
    FEEDBACK = "feedback"


def source_type(raw: Any) -> SourceType:
    """A known source type, or a 400 naming the ones accepted."""
    try:
        return SourceType(raw)
    except ValueError:
        allowed = ", ".join(member.value for member in SourceType)
        raise InvalidInput(f"unknown source_type {raw!r}; expected one of {allowed}") from None


@dataclass(frozen=True)
class AssessmentDraft:
    """An assessment to log, as the caller described it; checks its own invariants."""

    name: str
    kind: Kind
    source_type: SourceType
    source_id: str
    value: Any = None
    error: dict[str, Any] | None = None
    rationale: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    span_id: str | None = None
    overrides: str | None = None
    assessment_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind is Kind.EXPECTATION and self.error is not None:
            raise InvalidInput("an expectation cannot carry an error")
        if not self.source_id or len(self.source_id) > 256:
            raise InvalidInput("source.source_id must be 1 to 256 characters")


@dataclass(frozen=True)
class AssessmentChanges:
    """The fields an update sets; None means "leave as it is"."""

    name: str | None = None
    kind: Kind | None = None
    value: Any = None
    sets_value: bool = False
    error: dict[str, Any] | None = None
    rationale: str | None = None
    metadata: dict[str, str] | None = None


@dataclass(frozen=True)
class AssessmentView:
    """An assessment as MLflow's client sees it, with Quorum's role alongside."""

    assessment_id: str
    trace_id: str
    span_id: str | None
    name: str
    kind: Kind
    role: str
    source_type: str
    source_id: str
    value: Any
    error: dict[str, Any] | None
    rationale: str | None
    metadata: dict[str, str]
    overrides: str | None
    valid: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SpanView:
    """A span as registered, with its hex id."""

    span_id: str
    parent_span_id: str | None
    name: str
    data: dict[str, Any]


@dataclass(frozen=True)
class TraceView:
    """A trace with its info block, its spans (when asked for) and its assessments."""

    trace_id: str
    experiment_id: str | None
    state: str
    request_time: datetime
    info: dict[str, Any]
    spans: tuple[SpanView, ...] = ()
    assessments: tuple[AssessmentView, ...] = ()


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the token for the next, if any."""

    items: tuple[T, ...]
    next_page_token: str | None
