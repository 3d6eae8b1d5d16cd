"""Campaigns: traces x label schemas with an annotator pool, an overlap and a queue policy."""

from workflow.campaigns.membership import (
    CAMPAIGN_ROLES,
    campaign_ids_of,
    ensure_lead,
    leads_of,
    may_manage,
    members,
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
from workflow.campaigns.settings import (
    ADAPTIVE_MAX,
    ADAPTIVE_START,
    DEFAULT_OVERLAP,
    MAX_INSTRUCTIONS,
    CampaignSettings,
    Ordering,
    SchemaTarget,
    TraceSelection,
)

__all__ = [
    "ADAPTIVE_MAX",
    "ADAPTIVE_START",
    "CAMPAIGN_ROLES",
    "DEFAULT_OVERLAP",
    "MAX_INSTRUCTIONS",
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
    "ensure_lead",
    "get_campaign",
    "leads_of",
    "list_campaigns",
    "may_manage",
    "members",
    "my_work",
    "progress",
    "set_members",
    "update_campaign",
]
