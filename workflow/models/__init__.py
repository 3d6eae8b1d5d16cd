"""Every table in one package, so modules import models and never each other's services."""

from workflow.models.assessments import Assessment, ProposalRevision, Role
from workflow.models.audit import AuditEntry
from workflow.models.dashboard import DashboardSnapshot
from workflow.models.events import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from workflow.models.identity import ApiToken, Membership, User, WebSession
from workflow.models.items import Decision, Item, ItemDisputedField
from workflow.models.mail import Email, EmailNotice, EmailPreference
from workflow.models.outbox import OutboxMessage
from workflow.models.queue import Seat, Skip
from workflow.models.review import (
    CommitteeMember,
    CommitteeRule,
    InstanceSecret,
    Notification,
    ReconcileRun,
    ReviewAssignment,
    ReviewComment,
    Vote,
)
from workflow.models.schemas import Campaign, CampaignSchema, CampaignTrace, LabelSchema
from workflow.models.traces import Span, Trace

__all__ = [
    "ApiToken",
    "Assessment",
    "AuditEntry",
    "Campaign",
    "CampaignSchema",
    "CampaignTrace",
    "CommitteeMember",
    "CommitteeRule",
    "DashboardSnapshot",
    "Decision",
    "Email",
    "EmailNotice",
    "EmailPreference",
    "Event",
    "InstanceSecret",
    "Item",
    "ItemDisputedField",
    "LabelSchema",
    "Membership",
    "Notification",
    "OutboxMessage",
    "ProposalRevision",
    "ReconcileRun",
    "ReviewAssignment",
    "ReviewComment",
    "Role",
    "Seat",
    "Skip",
    "Span",
    "Trace",
    "User",
    "Vote",
    "WebSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
