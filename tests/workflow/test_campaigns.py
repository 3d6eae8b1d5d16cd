"""Campaigns and memberships on a real database."""

import pytest
from sqlmodel import select

from workflow import campaigns
from workflow.campaigns import CampaignSettings
from workflow.identity import users
from workflow.identity.access import actor_for, trusted
from workflow.kernel.errors import AlreadyExists, InvalidInput, NotFound
from workflow.models import AuditEntry


def test_memberships_name_existing_users_with_a_campaign_role(session):
    for name, role in [("ann", "annotator"), ("rev", "reviewer"), ("lee", "lead")]:
        users.create_user(session, username=name, role=role, actor="test")
    lee = actor_for("lee", "lead", can_import=False)
    campaign = campaigns.create_campaign(session, settings=CampaignSettings("refunds"), by=lee)
    with pytest.raises(AlreadyExists):
        campaigns.create_campaign(session, settings=CampaignSettings("refunds", 2), by=lee)
    assert [c.name for c in campaigns.list_campaigns(session, by=lee)] == ["refunds"]
    assert campaigns.members(session, campaign.id, by=lee) == {"lee": "lead"}

    set_members = campaigns.set_members
    with pytest.raises(InvalidInput, match="no such users: ghost"):
        set_members(session, campaign_id=campaign.id, roles={"ghost": "annotator"}, actor="lee")
    with pytest.raises(InvalidInput, match="campaign role"):
        set_members(session, campaign_id=campaign.id, roles={"ann": "admin"}, actor="lee")
    with pytest.raises(NotFound):
        set_members(session, campaign_id=campaign.id + 1, roles={}, actor="lee")

    roles = {"ann": "annotator", "rev": "reviewer", "lee": "lead"}
    assert set_members(session, campaign_id=campaign.id, roles=roles, actor="lee") == roles
    set_members(session, campaign_id=campaign.id, roles={"ann": "reviewer"}, actor="lee")
    assert campaigns.members(session, campaign.id, by=trusted("test")) == {"ann": "reviewer"}
    logged = session.exec(select(AuditEntry.action).where(AuditEntry.actor == "lee")).all()
    assert sorted(logged) == ["campaign.create", "campaign.members", "campaign.members"]
