"""Campaigns and their members: /api/v1 JSON routes for leads."""

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Manager, Reader
from api.deps import RowId, SessionDep
from api.v1.schemas import CampaignList, CampaignMembers, CampaignPublic
from workflow import campaigns

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])


class CampaignCreate(BaseModel):
    """A new campaign: its name and how many annotators each item needs."""

    name: Annotated[str, Field(min_length=1, max_length=256)]
    overlap: Annotated[int, Field(ge=1, le=100)] = 3


class MembersUpdate(BaseModel):
    """A campaign's members: user name → role in the campaign."""

    members: Annotated[dict[Annotated[str, Field(max_length=256)], str], Field(max_length=1000)]


@router.post("", status_code=201)
def create_campaign(body: CampaignCreate, session: SessionDep, by: Manager) -> CampaignPublic:
    """Open a campaign."""
    view = campaigns.create_campaign(session, name=body.name, overlap=body.overlap, actor=by.name)
    return CampaignPublic.model_validate(view)


@router.get("")
def list_campaigns(session: SessionDep, _by: Reader) -> CampaignList:
    """Every campaign."""
    return CampaignList(campaigns=campaigns.list_campaigns(session))


@router.get("/{campaign_id}/members")
def get_members(campaign_id: RowId, session: SessionDep, _by: Reader) -> CampaignMembers:
    """Who takes part in a campaign, and as what."""
    return CampaignMembers(members=campaigns.members(session, campaign_id))


@router.put("/{campaign_id}/members")
def put_members(
    campaign_id: RowId, body: MembersUpdate, session: SessionDep, by: Manager
) -> CampaignMembers:
    """Replace a campaign's members (lead, reviewer or annotator each)."""
    roles = campaigns.set_members(
        session, campaign_id=campaign_id, roles=body.members, actor=by.name
    )
    return CampaignMembers(members=roles)
