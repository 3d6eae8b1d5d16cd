"""Campaigns and their memberships: who annotates, reviews or leads in each."""

from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, select

from workflow import audit
from workflow.identity.access import UserRole
from workflow.kernel.db import add_unique
from workflow.kernel.errors import InvalidInput, NotFound
from workflow.models import Campaign, Membership, User

# A campaign role is a user's part in that campaign; admins need no membership.
CAMPAIGN_ROLES = frozenset({UserRole.LEAD, UserRole.REVIEWER, UserRole.ANNOTATOR})


@dataclass(frozen=True, slots=True)
class CampaignView:
    """A campaign as the API shows it."""

    id: int
    name: str
    status: str
    overlap: int


def _view(campaign: Campaign) -> CampaignView:
    return CampaignView(campaign.id or 0, campaign.name, campaign.status, campaign.overlap)


def create_campaign(session: Session, *, name: str, overlap: int, actor: str) -> CampaignView:
    """A new open campaign; names are unique."""
    if not 1 <= len(name.strip()) <= 256:
        raise InvalidInput("a campaign's name has 1 to 256 characters")
    campaign = Campaign(name=name.strip(), overlap=overlap)
    add_unique(session, campaign, f"campaign {name!r} already exists")
    audit.record(
        session,
        actor=actor,
        action="campaign.create",
        subject_type="campaign",
        subject_id=str(campaign.id),
        name=campaign.name,
        overlap=overlap,
    )
    return _view(campaign)


def list_campaigns(session: Session) -> list[CampaignView]:
    """Every campaign, oldest first."""
    return [_view(c) for c in session.exec(select(Campaign).order_by(col(Campaign.id))).all()]


def _require(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}")
    return campaign


def members(session: Session, campaign_id: int) -> dict[str, str]:
    """User name → campaign role, for one campaign."""
    _require(session, campaign_id)
    rows = session.exec(
        select(User.username, Membership.role)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.campaign_id == campaign_id)
        .order_by(col(User.username))
    ).all()
    return dict(rows)


def set_members(
    session: Session, *, campaign_id: int, roles: dict[str, str], actor: str
) -> dict[str, str]:
    """Replace a campaign's members: each an existing user with a campaign role."""
    _require(session, campaign_id)
    wrong = sorted(role for role in set(roles.values()) if role not in CAMPAIGN_ROLES)
    if wrong:
        raise InvalidInput(f"a campaign role is one of {', '.join(sorted(CAMPAIGN_ROLES))}")
    found = dict(
        session.exec(select(User.username, User.id).where(col(User.username).in_(roles))).all()
    )
    unknown = sorted(set(roles) - set(found))
    if unknown:
        raise InvalidInput(f"no such users: {', '.join(unknown[:10])}")
    session.exec(delete(Membership).where(col(Membership.campaign_id) == campaign_id))
    session.add_all(
        Membership(campaign_id=campaign_id, user_id=found[name], role=role)
        for name, role in roles.items()
    )
    audit.record(
        session,
        actor=actor,
        action="campaign.members",
        subject_type="campaign",
        subject_id=str(campaign_id),
        members=dict(sorted(roles.items())),
    )
    session.flush()
    return dict(sorted(roles.items()))
