"""Campaigns and their members: /api/v1 JSON routes for leads."""

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Manager, Reader
from api.deps import RowId, SessionDep
from workflow import campaigns

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])


class CampaignCreate(BaseModel):
    """A new campaign: its name and how many annotators each item needs."""

    name: Annotated[str, Field(min_length=1, max_length=256)]
    overlap: Annotated[int, Field(ge=1, le=100)] = 3


class MembersUpdate(BaseModel):
    """A campaign's members: user name → role in the campaign."""

    members: Annotated[dict[Annotated[str, Field(max_length=256)], str], Field(max_length=1000)]


def _campaign_json(view: campaigns.CampaignView) -> dict[str, Any]:
    return {"id": view.id, "name": view.name, "status": view.status, "overlap": view.overlap}


@router.post("", status_code=201)
def create_campaign(body: CampaignCreate, session: SessionDep, by: Manager) -> dict[str, Any]:
    """Open a campaign."""
    view = campaigns.create_campaign(session, name=body.name, overlap=body.overlap, actor=by.name)
    return _campaign_json(view)


@router.get("")
def list_campaigns(session: SessionDep, _by: Reader) -> dict[str, Any]:
    """Every campaign."""
    return {"campaigns": [_campaign_json(v) for v in campaigns.list_campaigns(session)]}


@router.get("/{campaign_id}/members")
def get_members(campaign_id: RowId, session: SessionDep, _by: Reader) -> dict[str, Any]:
    """Who takes part in a campaign, and as what."""
    return {"members": campaigns.members(session, campaign_id)}


@router.put("/{campaign_id}/members")
def put_members(
    campaign_id: RowId, body: MembersUpdate, session: SessionDep, by: Manager
) -> dict[str, Any]:
    """Replace a campaign's members (lead, reviewer or annotator each)."""
    roles = campaigns.set_members(
        session, campaign_id=campaign_id, roles=body.members, actor=by.name
    )
    return {"members": roles}
