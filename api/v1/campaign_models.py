"""The bodies and answers of the campaign and queue routes, as /openapi.json describes them."""

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, Strict

from api.v1.schemas import Moment, Public
from workflow.campaigns import Ordering
from workflow.identity.access import UserRole

Name = Annotated[str, Field(min_length=1, max_length=256)]
# A moment as RFC 3339 text, and only that: lax pydantic would also take a number of seconds.
When = Annotated[AwareDatetime, Strict()]


class SchemaTargetBody(BaseModel):
    """A label schema the campaign annotates: of whole traces, or of the spans picked by name
    or type."""

    model_config = ConfigDict(extra="forbid")

    schema_name: Annotated[Name, Field(alias="schema")]
    span_name: Annotated[str | None, Field(max_length=512)] = None
    span_type: Annotated[str | None, Field(max_length=64)] = None


class TraceSelectionBody(BaseModel):
    """Which traces: ids, a filter over registered traces (tags, time range, a sample of N),
    and traces imported with the request (MLflow trace JSON); the union of all given."""

    model_config = ConfigDict(extra="forbid")

    trace_ids: Annotated[list[Annotated[str, Field(max_length=128)]], Field(max_length=20_000)] = []
    tags: Annotated[dict[Annotated[str, Field(max_length=256)], str], Field(max_length=50)] = {}
    since: When | None = None
    until: When | None = None
    sample: Annotated[int | None, Field(ge=1, le=20_000)] = None
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    traces: Annotated[list[dict[str, Any]], Field(max_length=1000)] = []


class CampaignSettingsBody(BaseModel):
    """What a lead may change on a campaign."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    priority: Annotated[int | None, Field(ge=-1000, le=1000)] = None
    due: When | None = None
    instructions: Annotated[str | None, Field(max_length=20_000)] = None
    blind: bool | None = None
    show_suggestions: bool | None = None
    ordering: Ordering | None = None
    lease_seconds: Annotated[int | None, Field(ge=30, le=86_400)] = None


class CampaignCreate(BaseModel):
    """A new campaign: its policy, its label schemas and its traces (which make its items)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    # Omitted: 3, or 2 to start adaptive overlap with.
    overlap: Annotated[int | None, Field(ge=1, le=100)] = None
    adaptive: bool = False
    max_overlap: Annotated[int | None, Field(ge=1, le=100)] = None
    priority: Annotated[int, Field(ge=-1000, le=1000)] = 0
    due: When | None = None
    instructions: Annotated[str, Field(max_length=20_000)] = ""
    blind: bool = True
    show_suggestions: bool = False
    ordering: Ordering = Ordering.FINISH_FIRST
    lease_seconds: Annotated[int, Field(ge=30, le=86_400)] = 600
    schemas: Annotated[list[SchemaTargetBody], Field(max_length=50)] = []
    traces: TraceSelectionBody = TraceSelectionBody()


class SchemaTargetPublic(Public):
    """A label schema of a campaign, and the spans it labels if any."""

    schema_name: Annotated[str, Field(serialization_alias="schema", validation_alias="schema")]
    span_name: str | None
    span_type: str | None


class CampaignPublic(Public):
    """A campaign."""

    id: int
    name: str
    status: str
    overlap: int
    adaptive: bool
    max_overlap: int | None
    priority: int
    due: Moment | None
    instructions: str
    blind: bool
    show_suggestions: bool
    ordering: str
    lease_seconds: int
    created_by: str
    created_at: Moment
    closed_at: Moment | None
    schemas: list[SchemaTargetPublic]
    traces: int
    items: int


class CampaignList(Public):
    """The campaigns the caller may see."""

    campaigns: list[CampaignPublic]


class CampaignMembers(Public):
    """A campaign's members: user name → role in the campaign."""

    members: dict[str, UserRole]


class TracesAdded(Public):
    """How many traces were selected, and how many new items they made."""

    traces: int
    items: int


class AnnotatorCountPublic(Public):
    """One annotator's work in a campaign."""

    annotator: str
    submitted: int
    claimed: int
    skipped: int


class CampaignProgressPublic(Public):
    """A campaign's items per state, its seats filled, and each annotator's counts."""

    campaign_id: int
    items: int
    states: dict[str, int]
    seats: int
    submitted: int
    annotators: list[AnnotatorCountPublic]


class ClaimPublic(Public):
    """A claimed item and until when the claim holds without a heartbeat."""

    item_id: int
    campaign_id: int
    trace_id: str
    span_id: str | None
    name: str
    lease_expires_at: Moment


class ClaimNext(Public):
    """The claim taken (or resumed); null when nothing is left for the caller."""

    claim: ClaimPublic | None


class ClaimRequest(BaseModel):
    """Which campaign to claim from; none: the caller's campaigns by priority and due date."""

    model_config = ConfigDict(extra="forbid")

    campaign_id: Annotated[int | None, Field(ge=1, le=2**31 - 1)] = None


class LeasePublic(Public):
    """A renewed lease."""

    lease_expires_at: Moment


class SkipBody(BaseModel):
    """Why the item is passed on."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=1000)]


class SubmitBody(BaseModel):
    """The annotator's value for the claimed item, stored as the MLflow route would."""

    model_config = ConfigDict(extra="forbid")

    value: JsonValue
    rationale: Annotated[str | None, Field(max_length=10_000)] = None


class SubmittedPublic(Public):
    """The proposal stored for a claim."""

    assessment_id: str
    item_id: int
    value: JsonValue


class MyCampaignPublic(Public):
    """One of the caller's campaigns with their own counts, never others'."""

    campaign_id: int
    name: str
    status: str
    priority: int
    items: int
    submitted: int
    claimed: int
    skipped: int


class MyWork(Public):
    """The caller's campaigns and live claims."""

    campaigns: list[MyCampaignPublic]
    claims: list[ClaimPublic]


class DashboardPublic(Public):
    """A campaign's dashboard as its last snapshot computed it."""

    campaign_id: int
    campaign: str
    computed_at: Moment | None
    stale: bool = Field(description="newer decisions are in; a snapshot was asked for")
    took_seconds: float
    figures: dict[str, JsonValue] = Field(
        description="schemas (alpha per field with its interval, kappa, reliability), states,"
        " progress, time_to_consensus and disputed_fields; empty before the first snapshot"
    )


class DashboardRefresh(Public):
    """Whether a snapshot was asked for (False: one was on its way already)."""

    asked: bool
