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
        set_members(
            session, campaign_id=campaign.id, roles={"ghost": "annotator", "lee": "lead"}, by=lee
        )
    with pytest.raises(InvalidInput, match="campaign role"):
        set_members(session, campaign_id=campaign.id, roles={"ann": "admin", "lee": "lead"}, by=lee)
    with pytest.raises(NotFound):
        set_members(session, campaign_id=campaign.id + 1, roles={}, by=lee)
    # A lead who dropped themselves could not manage the campaign again: refused.
    with pytest.raises(InvalidInput, match="keep yourself as a lead"):
        set_members(session, campaign_id=campaign.id, roles={"ann": "annotator"}, by=lee)

    roles = {"ann": "annotator", "rev": "reviewer", "lee": "lead"}
    assert set_members(session, campaign_id=campaign.id, roles=roles, by=lee) == roles
    # An admin may take the lead away.
    set_members(session, campaign_id=campaign.id, roles={"ann": "reviewer"}, by=trusted("root"))
    assert campaigns.members(session, campaign.id, by=trusted("test")) == {"ann": "reviewer"}
    logged = session.exec(select(AuditEntry.action).where(AuditEntry.actor == "lee")).all()
    assert sorted(logged) == ["campaign.create", "campaign.members"]
