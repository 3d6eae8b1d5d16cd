"""The annotator's queue under /api/v1: what a script needs to work through a campaign (claim,
heartbeat, submit, skip, release), answering with the caller's own work only."""

from typing import Annotated

from fastapi import APIRouter, Response

from api.auth import Reader, requires
from api.deps import LimitsDep, RowId, SessionDep, SettingsDep
from api.v1.campaign_models import (
    ClaimNext,
    ClaimPublic,
    ClaimRequest,
    LeasePublic,
    MyCampaignPublic,
    MyWork,
    SkipBody,
    SubmitBody,
    SubmittedPublic,
)
from workflow import campaigns, queue
from workflow.identity.access import Actor, Permission

router = APIRouter(prefix="/api/v1/queue", tags=["queue"])

Annotator = Annotated[Actor, requires(Permission.ANNOTATE)]


@router.get("")
def my_work(session: SessionDep, by: Reader) -> MyWork:
    """The caller's campaigns with their own progress, and their live claims."""
    return MyWork(
        campaigns=[MyCampaignPublic.model_validate(c) for c in campaigns.my_work(session, by=by)],
        claims=[ClaimPublic.model_validate(c) for c in queue.claims_of(session, by=by)],
    )


@router.post("/claims")
def claim(body: ClaimRequest, session: SessionDep, by: Annotator) -> ClaimNext:
    """Claim the next item (or get back the live claim already held there)."""
    taken = queue.claim_next(session, by=by, campaign_id=body.campaign_id)
    return ClaimNext(claim=None if taken is None else ClaimPublic.model_validate(taken))


@router.post("/claims/{item_id}/heartbeat")
def heartbeat(item_id: RowId, session: SessionDep, by: Annotator) -> LeasePublic:
    """Renew a claim's lease; 409 once it ended and the item went to someone else."""
    return LeasePublic(lease_expires_at=queue.heartbeat(session, by=by, item_id=item_id))


@router.post("/claims/{item_id}/submit", status_code=201)
def submit(
    item_id: RowId,
    body: SubmitBody,
    session: SessionDep,
    by: Annotator,
    limits: LimitsDep,
    settings: SettingsDep,
) -> SubmittedPublic:
    """Store the caller's value for the item as their proposal (what the MLflow route stores)."""
    view = queue.submit_claim(
        session,
        by=by,
        item_id=item_id,
        value=body.value,
        rationale=body.rationale,
        limits=limits,
        default_overlap=settings.default_overlap,
    )
    return SubmittedPublic(assessment_id=view.assessment_id, item_id=item_id, value=view.value)


@router.post("/claims/{item_id}/skip", status_code=204)
def skip(item_id: RowId, body: SkipBody, session: SessionDep, by: Annotator) -> Response:
    """Pass on the item with a reason; it goes to someone else."""
    queue.skip(session, by=by, item_id=item_id, reason=body.reason)
    return Response(status_code=204)


@router.delete("/claims/{item_id}", status_code=204)
def release(item_id: RowId, session: SessionDep, by: Annotator) -> Response:
    """Give the item back unannotated."""
    queue.release(session, by=by, item_id=item_id)
    return Response(status_code=204)
