"""The answers of the /api/v1 routes and /health, as /openapi.json describes them."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, JsonValue, PlainSerializer, WithJsonSchema

from workflow.identity.access import Permission, UserRole
from workflow.review.quorum_rule import Rule

# Written as `datetime.isoformat` does, as these routes always have (the MLflow routes use
# protobuf's RFC 3339 instead).
Moment = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Public(BaseModel):
    """An answer, built from the domain's views by their attributes."""

    model_config = ConfigDict(from_attributes=True)


class HealthPublic(Public):
    """Liveness, the queue's depth, the outbox backlog and the last reconcile."""

    status: str
    queue_depth: int | None
    outbox_pending: int
    oldest_pending_age_s: float | None
    dead_lettered: int
    last_reconcile_at: Moment | None
    # Disputes in review with nobody to review them: their committee has no members yet.
    unstaffed_disputes: int


class CallerPublic(Public):
    """Who a credential is, and the permissions it carries."""

    username: str
    permissions: list[Permission]


class UserPublic(Public):
    """A user; never their password hash."""

    username: str
    role: UserRole
    can_import: bool
    disabled: bool
    has_password: bool
    email: str | None


class UserList(Public):
    """Every user."""

    users: list[UserPublic]


class TokenPublic(Public):
    """An API token, without its secret."""

    id: int
    username: str
    name: str
    scopes: list[Permission]
    created_at: Moment
    expires_at: Moment | None
    revoked_at: Moment | None
    last_used_at: Moment | None


class _Secret(Public):
    """The secret of a token just issued."""

    token: str


class TokenIssued(TokenPublic, _Secret):
    """A new token with its secret, shown this once (`token` comes first, as it always has)."""


class TokenList(Public):
    """A user's tokens, newest first."""

    tokens: list[TokenPublic]


class AuditEntryPublic(Public):
    """One audit entry."""

    id: int
    at: Moment
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]


class AuditPage(Public):
    """A page of the audit log; `next_before` asks for the next one."""

    entries: list[AuditEntryPublic]
    next_before: int | None


class TracesRegistered(Public):
    """The trace ids a registration created, and those already there."""

    created: list[str]
    existing: list[str]


class TracePublic(Public):
    """A registered trace: its info block as sent and its spans (with hex ids)."""

    trace_id: str
    experiment_id: str | None
    state: str
    request_time: str
    info: dict[str, Any]
    spans: list[dict[str, Any]]


class TracePage(Public):
    """A page of traces; `next_page_token` asks for the next one."""

    traces: list[TracePublic]
    next_page_token: str | None


class ImportReport(Public):
    """What a bulk import did."""

    imported: int
    created: int
    edited: int
    items: int
    evaluations_queued: int


class LabelSchemaPublic(Public):
    """A label schema: the consensus engine's spec and how many annotators an item needs."""

    name: str
    value_type: str
    spec: dict[str, Any]
    overlap: int | None


class LabelSchemaList(Public):
    """Every label schema."""

    label_schemas: list[LabelSchemaPublic]


class CommitteePublic(Public):
    """A committee's scope, its members and how it decides: `strict_majority` of the members,
    `majority_of_cast` (of at least `min_votes` votes cast), `unanimity`, or
    `chair_breaks_ties` (a strict majority; a tie among all the votes goes the chair's way).
    A round still undecided `deadline_hours` after it began escalates to the chair, whose vote
    then decides it, and after as long again to the leads. With `hide_annotators`, its
    reviewers see each annotator under a pseudonym (`annotator-` and eight hex digits, the same
    across a campaign) on the review, the history and the dashboard; leads and admins see names."""

    scope: str
    members: list[str]
    rule: Rule
    min_votes: int
    chair: str | None
    deadline_hours: float | None
    hide_annotators: bool


class ItemPublic(Public):
    """An item: what it labels, where it stands, and its review round."""

    id: int
    trace_id: str
    span_id: str | None
    name: str
    state: str
    round: int


class HistoryEntryPublic(Public):
    """One event of an item's life: `proposal.submitted`, `proposal.edited`,
    `proposal.withdrawn`, `decision.<outcome>`, `item.moved`, `review.routed`, `vote.cast`
    (with the `field` it is on, "" for the whole value), `review.escalated`, `review.unfit`
    (decided votes whose value the schema refuses, with the `reason`), `claim.skipped` or
    `canonical.version`, with what it carried."""

    at: Moment
    actor: str
    event: str
    details: dict[str, Any]


class ItemHistoryPublic(Public):
    """An item and every event of its life, oldest first."""

    item: ItemPublic
    entries: list[HistoryEntryPublic]


class DecisionPublic(Public):
    """A decision on an item."""

    id: int
    outcome: str
    method: str
    value: JsonValue
    algorithm: str
    voters: list[str]


class ItemStatusPublic(ItemPublic):
    """An item and its latest decision."""

    decision: DecisionPublic | None


class QueuedItemPublic(Public):
    """An item waiting for the reviewer's vote, and how contested its dispute was (1 minus
    the engine's agreement score, in [0, 1])."""

    item_id: int
    trace_id: str
    name: str
    round: int
    contest: float


class UnstaffedPublic(Public):
    """A dispute waiting for its committee to have members."""

    item_id: int
    trace_id: str
    name: str
    round: int
    escalated_at: Moment | None


class UnstaffedList(Public):
    """The disputes waiting for a committee, longest waiting first, and how many there are."""

    total: int
    items: list[UnstaffedPublic]


class ReviewerQueue(Public):
    """The items waiting for a reviewer, in the order asked for: one page, how many wait in
    all (at least `total` when `more` is true: counting stops at 10,000), and the `after`
    cursor of the next page (null on the last; opaque, and good only for the same order)."""

    items: list[QueuedItemPublic]
    total: int
    next_page_token: str | None
    more: bool = False


class ItemSummaryPublic(ItemPublic):
    """An item in the list: where it stands and its latest decision's outcome and method;
    `proposals` (live ones) is null for a caller who may not see others' work."""

    campaign_id: int | None
    state_changed_at: Moment
    proposals: int | None
    outcome: str | None
    method: str | None


class ItemSummaryPage(Public):
    """A page of items, newest first; `next` asks for the next one (as `after`)."""

    items: list[ItemSummaryPublic]
    next: str | None
