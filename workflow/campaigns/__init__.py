"""Campaigns and their memberships: who annotates, reviews or leads in each."""

from workflow.campaigns.service import (
    CampaignView,
    create_campaign,
    list_campaigns,
    members,
    set_members,
)

__all__ = ["CampaignView", "create_campaign", "list_campaigns", "members", "set_members"]
