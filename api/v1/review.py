"""Label schemas, committees and the committee's review: /api/v1 JSON routes."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, JsonValue

from api.auth import Manager, Reader, Reviewer
from api.deps import LimitsDep, RowId, SessionDep, SettingsDep
from api.v1.review_models import (
    CommentCreate,
    CommentList,
    CommentPublic,
    ReviewPublic,
    SendBack,
    SentBack,
    VoteCreate,
    VotePublic,
)
from api.v1.schemas import (
    CommitteePublic,
    ItemHistoryPublic,
    ItemStatusPublic,
    LabelSchemaList,
    LabelSchemaPublic,
    ReviewerQueue,
    UnstaffedList,
    UnstaffedPublic,
)
from workflow import campaigns, review
from workflow.identity.access import Actor, Permission
from workflow.items import label_schemas
from workflow.kernel.errors import Forbidden
from workflow.review import unstaffed
from workflow.review.quorum_rule import Choice, Rule

router = APIRouter(prefix="/api/v1", tags=["review"])


class LabelSchemaCreate(BaseModel):
    """A label schema: the consensus engine's spec, and how many annotators an item needs."""

    spec: dict[str, JsonValue]
    overlap: int | None = None


class CommitteeUpdate(BaseModel):
    """The reviewers who make up a committee, and how it decides (strict majority unless told)."""

    members: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(max_length=100)
    rule: Rule = Rule.STRICT_MAJORITY
    min_votes: Annotated[int, Field(ge=1, le=100)] = 1
    chair: Annotated[str | None, Field(min_length=1, max_length=256)] = None
    # A round undecided this long escalates: to the chair, then the leads.
    deadline_hours: Annotated[float | None, Field(ge=0.02, le=24 * 365)] = None
    # Reviewers see annotators as pseudonyms (leads and admins still see names).
    hide_annotators: bool = False


def _committee(session, scope: str, members: list[str]) -> CommitteePublic:
    rule = review.rule_of(session, scope)
    return CommitteePublic(
        scope=scope,
        members=members,
        rule=rule.rule,
        min_votes=rule.min_votes,
        chair=rule.chair,
        deadline_hours=None if rule.deadline_seconds is None else rule.deadline_seconds / 3600,
        hide_annotators=rule.hide_annotators,
    )


def _own_or_admin(by: Actor, reviewer_id: str) -> None:
    if reviewer_id != by.name and not by.may(Permission.ADMIN):
        raise Forbidden(f"{by.name} may not read {reviewer_id}'s reviews")


@router.post("/label-schemas", status_code=201)
def create_label_schema(
    body: LabelSchemaCreate, session: SessionDep, by: Manager
) -> LabelSchemaPublic:
    """Register a label schema (its type and agreement policy)."""
    schema = label_schemas.create_schema(
        session, spec=body.spec, overlap=body.overlap, actor=by.name
    )
    return LabelSchemaPublic.model_validate(schema)


@router.get("/label-schemas")
def list_label_schemas(session: SessionDep, _by: Reader) -> LabelSchemaList:
    """Every label schema."""
    return LabelSchemaList(label_schemas=label_schemas.list_schemas(session))


@router.get("/committees/{scope}")
def get_committee(scope: str, session: SessionDep, _by: Reader) -> CommitteePublic:
    """A committee: `campaign:<id>` for a campaign's own, a label schema's name, or `default`;
    an item goes to the first of its campaign's, its schema's and the default that has members."""
    return _committee(session, scope, review.committee(session, scope))


@router.put("/committees/{scope}")
def put_committee(
    scope: str, body: CommitteeUpdate, session: SessionDep, by: Manager
) -> CommitteePublic:
    """Replace a committee: its members (users who may review) and its rule. A campaign's own
    committee is its leads' to set."""
    campaign_id = review.scope_campaign(scope)
    if campaign_id is not None:
        campaigns.ensure_lead(session, by, campaign_id)
    deadline = None if body.deadline_hours is None else round(body.deadline_hours * 3600)
    rule = review.QuorumRule(body.rule, body.min_votes, body.chair, deadline, body.hide_annotators)
    members = review.set_committee(
        session, scope=scope, members=body.members, actor=by.name, rule=rule
    )
    return _committee(session, scope, members)


@router.get("/items/{item_id}")
def get_item(item_id: RowId, session: SessionDep, by: Reader) -> ItemStatusPublic:
    """An item's state and its latest decision (proposals are shown to its reviewers only)."""
    return ItemStatusPublic.model_validate(review.item_status(session, item_id=item_id, by=by))


@router.get("/items/{item_id}/history")
def get_item_history(item_id: RowId, session: SessionDep, by: Reader) -> ItemHistoryPublic:
    """An item's whole life, oldest first: proposals and every edit, evaluations, rounds, votes,
    escalations, decisions and canonical versions, each with its actor and time (for those who
    see others' work: reviewers, leads, admins)."""
    history = review.item_history(session, item_id=item_id, by=by)
    return ItemHistoryPublic.model_validate(history)


@router.get("/items/{item_id}/comments")
def get_comments(item_id: RowId, session: SessionDep, by: Reader) -> CommentList:
    """The item's review discussion, oldest first (reviewers, leads, admins)."""
    found = review.comments(session, item_id=item_id, by=by)
    return CommentList(comments=[CommentPublic.model_validate(c) for c in found])


@router.post("/items/{item_id}/comments", status_code=201)
def post_comment(
    item_id: RowId, body: CommentCreate, session: SessionDep, by: Reader
) -> CommentPublic:
    """Add a note to the item's discussion: a reviewer of one of its rounds, a lead or an
    admin."""
    return CommentPublic.model_validate(
        review.add_comment(session, item_id=item_id, body=body.body, by=by)
    )


@router.post("/items/{item_id}/send-back")
def send_back(item_id: RowId, body: SendBack, session: SessionDep, by: Reader) -> SentBack:
    """Send an item in review back to the annotators who proposed on it, with a note: its
    round closes undecided, their seats are returned to them (it comes first in their queue),
    and the engine evaluates it again once each has revised or kept their answer. For a
    reviewer of its round, a lead of its campaign or an admin; a campaign's items only."""
    asked = review.send_back(session, item_id=item_id, note=body.note, by=by)
    return SentBack(item_id=item_id, state="reopened", annotators=len(asked))


@router.get("/disputes/unstaffed")
def unstaffed_disputes(
    session: SessionDep,
    settings: SettingsDep,
    _by: Manager,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> UnstaffedList:
    """Disputes in review that nobody can review yet: their committee has no members."""
    limit = min(limit, settings.max_page_size)
    return UnstaffedList(
        total=unstaffed.count(session),
        items=[UnstaffedPublic.model_validate(v) for v in unstaffed.waiting(session, limit=limit)],
    )


@router.get("/reviewers/{reviewer_id}/queue")
def reviewer_queue(
    reviewer_id: str,
    session: SessionDep,
    settings: SettingsDep,
    by: Reviewer,
    limit: Annotated[int, Query(ge=1)] = 50,
    order: review.QueueOrder = review.QueueOrder.OLDEST,
    campaign_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    name: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
    annotator: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
    field: Annotated[str | None, Query(min_length=1, max_length=1024)] = None,
    after: Annotated[str | None, Query(max_length=64)] = None,
) -> ReviewerQueue:
    """The items waiting for this reviewer's vote, oldest or most contested first, by
    campaign, label, an annotator who proposed on them or a field their dispute left
    disputed, a page at a time (one's own; admins any)."""
    _own_or_admin(by, reviewer_id)
    queued = review.reviewer_queue(
        session,
        reviewer_id=reviewer_id,
        by=by,
        limit=min(limit, settings.max_page_size),
        order=order,
        campaign_id=campaign_id,
        name=name,
        annotator=annotator,
        field=field,
        after=after,
    )
    return ReviewerQueue.model_validate(queued)


@router.get("/reviewers/{reviewer_id}/items/{item_id}")
def review_item(
    reviewer_id: str, item_id: RowId, session: SessionDep, by: Reviewer
) -> ReviewPublic:
    """Every proposal of an item under review, for one of its reviewers."""
    _own_or_admin(by, reviewer_id)
    view = review.review_view(session, item_id=item_id, reviewer_id=reviewer_id, by=by)
    return ReviewPublic.model_validate(view)


@router.post("/reviewers/{reviewer_id}/items/{item_id}/vote")
def vote(
    reviewer_id: str,
    item_id: RowId,
    body: VoteCreate,
    session: SessionDep,
    limits: LimitsDep,
    by: Reviewer,
) -> VotePublic:
    """Cast or change one's own vote in the item's current round (nobody votes for another):
    on the whole value, or on one disputed field or contested element (`field`, as the
    review's `contested` names it)."""
    if reviewer_id != by.name:
        raise Forbidden(f"{by.name} may not vote as {reviewer_id}")
    request = review.VoteRequest(
        choice=Choice(body.choice),
        assessment_id=body.assessment_id,
        value=body.value,
        comment=body.comment,
        field=body.field,
    )
    cast = review.cast_vote(
        session, item_id=item_id, reviewer_id=reviewer_id, request=request, limits=limits
    )
    return VotePublic.model_validate(cast)
