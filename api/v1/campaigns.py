"""Campaigns, their traces and members: /api/v1 JSON routes for leads (their own campaigns)
and admins; members read the campaigns they belong to."""

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Manager, Reader
from api.deps import RowId, SessionDep
from api.v1.campaign_models import (
    CampaignCreate,
    CampaignList,
    CampaignMembers,
    CampaignProgressPublic,
    CampaignPublic,
    CampaignSettingsBody,
    DashboardPublic,
    DashboardRefresh,
    TracesAdded,
    TraceSelectionBody,
)
from workflow import campaigns, dashboard

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])


class MembersUpdate(BaseModel):
    """A campaign's members: user name → role in the campaign."""

    members: Annotated[dict[Annotated[str, Field(max_length=256)], str], Field(max_length=1000)]


def selection(body: TraceSelectionBody) -> campaigns.TraceSelection:
    """The domain's trace selection for a request's."""
    return campaigns.TraceSelection(
        trace_ids=tuple(body.trace_ids),
        tags=dict(body.tags),
        since=body.since,
        until=body.until,
        sample=body.sample,
        seed=body.seed,
        payloads=tuple(body.traces),
    )


@router.post("", status_code=201)
def create_campaign(body: CampaignCreate, session: SessionDep, by: Manager) -> CampaignPublic:
    """Open a campaign with its label schemas and traces; its items are made at once."""
    settings = campaigns.CampaignSettings(**body.model_dump(exclude={"schemas", "traces"}))
    targets = tuple(
        campaigns.SchemaTarget(t.schema_name, t.span_name, t.span_type) for t in body.schemas
    )
    view = campaigns.create_campaign(
        session, settings=settings, by=by, schemas=targets, traces=selection(body.traces)
    )
    return CampaignPublic.model_validate(view)


@router.get("")
def list_campaigns(session: SessionDep, by: Reader) -> CampaignList:
    """The campaigns the caller belongs to (an admin: every one)."""
    views = campaigns.list_campaigns(session, by=by)
    return CampaignList(campaigns=[CampaignPublic.model_validate(view) for view in views])


@router.get("/{campaign_id}")
def get_campaign(campaign_id: RowId, session: SessionDep, by: Reader) -> CampaignPublic:
    """One campaign, for its members."""
    return CampaignPublic.model_validate(
        campaigns.get_campaign(session, campaign_id=campaign_id, by=by)
    )


@router.patch("/{campaign_id}")
def update_campaign(
    campaign_id: RowId, body: CampaignSettingsBody, session: SessionDep, by: Manager
) -> CampaignPublic:
    """Change a campaign's name, priority, due date, instructions or queue policy."""
    view = campaigns.update_campaign(
        session, campaign_id=campaign_id, changes=body.model_dump(exclude_unset=True), by=by
    )
    return CampaignPublic.model_validate(view)


@router.post("/{campaign_id}/traces")
def add_traces(
    campaign_id: RowId, body: TraceSelectionBody, session: SessionDep, by: Manager
) -> TracesAdded:
    """Add traces (by id, filter or import) to an open campaign: each makes its items."""
    traces, items = campaigns.add_traces(
        session, campaign_id=campaign_id, traces=selection(body), by=by
    )
    return TracesAdded(traces=traces, items=items)


@router.post("/{campaign_id}/close")
def close_campaign(campaign_id: RowId, session: SessionDep, by: Manager) -> CampaignPublic:
    """Stop a campaign's claims; what was submitted stays and is decided."""
    return CampaignPublic.model_validate(
        campaigns.close_campaign(session, campaign_id=campaign_id, by=by)
    )


@router.get("/{campaign_id}/progress")
def get_progress(campaign_id: RowId, session: SessionDep, by: Manager) -> CampaignProgressPublic:
    """Items per state, seats filled, and each annotator's counts."""
    return CampaignProgressPublic.model_validate(
        campaigns.progress(session, campaign_id=campaign_id, by=by)
    )


@router.get("/{campaign_id}/members")
def get_members(campaign_id: RowId, session: SessionDep, by: Reader) -> CampaignMembers:
    """Who takes part in a campaign, and as what (for its members)."""
    return CampaignMembers(members=campaigns.members(session, campaign_id, by=by))


@router.put("/{campaign_id}/members")
def put_members(
    campaign_id: RowId, body: MembersUpdate, session: SessionDep, by: Manager
) -> CampaignMembers:
    """Replace a campaign's members (lead, reviewer or annotator each); a lead stays a lead."""
    roles = campaigns.set_members(session, campaign_id=campaign_id, roles=body.members, by=by)
    return CampaignMembers(members=roles)


@router.get("/{campaign_id}/dashboard")
def get_dashboard(campaign_id: RowId, session: SessionDep, by: Reader) -> DashboardPublic:
    """The campaign's agreement, reliability and progress figures (leads, reviewers, admins)."""
    view = dashboard.dashboard(session, campaign_id=campaign_id, by=by)
    return DashboardPublic.model_validate(view.to_dict())


@router.post("/{campaign_id}/dashboard/refresh", status_code=202)
def refresh_dashboard(campaign_id: RowId, session: SessionDep, by: Manager) -> DashboardRefresh:
    """Ask a worker to compute the campaign's figures again now."""
    return DashboardRefresh(asked=dashboard.refresh(session, campaign_id=campaign_id, by=by))
