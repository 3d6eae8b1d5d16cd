"""Campaigns: traces x label schemas with an annotator pool, an overlap and a queue policy."""

from workflow.campaigns.membership import (
    CAMPAIGN_ROLES,
    campaign_ids_of,
    members,
    require_lead,
    require_member,
    set_members,
)
from workflow.campaigns.progress import (
    AnnotatorCount,
    CampaignProgress,
    MyCampaign,
    my_work,
    progress,
)
from workflow.campaigns.service import (
    CampaignView,
    add_traces,
    close_campaign,
    create_campaign,
    get_campaign,
    list_campaigns,
    update_campaign,
)
from workflow.campaigns.settings import CampaignSettings, Ordering, SchemaTarget, TraceSelection

__all__ = [
    "CAMPAIGN_ROLES",
    "AnnotatorCount",
    "CampaignProgress",
    "CampaignSettings",
    "CampaignView",
    "MyCampaign",
    "Ordering",
    "SchemaTarget",
    "TraceSelection",
    "add_traces",
    "campaign_ids_of",
    "close_campaign",
    "create_campaign",
    "get_campaign",
    "list_campaigns",
    "members",
    "my_work",
    "progress",
    "require_lead",
    "require_member",
    "set_members",
    "update_campaign",
]
