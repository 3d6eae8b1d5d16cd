"""Who takes part in a campaign, and what that grants: annotators work on its items, leads
manage it; admins need no membership. A campaign one may not see is reported as not found."""

from sqlalchemy import bindparam, delete
from sqlmodel import Session, col, select

from workflow import audit
from workflow.identity.access import Actor, Permission, UserRole
from workflow.kernel.errors import InvalidInput, NotFound
from workflow.models import Campaign, Membership, User

# A campaign role is a user's part in that campaign; admins need no membership.
CAMPAIGN_ROLES = frozenset({UserRole.LEAD, UserRole.REVIEWER, UserRole.ANNOTATOR})


def campaign_row(session: Session, campaign_id: int) -> Campaign:
    """The campaign, or NotFound."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}")
    return campaign


def role_in(session: Session, campaign_id: int, username: str) -> str | None:
    """The user's role in the campaign, if they are a member."""
    return session.exec(
        select(Membership.role)
        .join(User, col(User.id) == Membership.user_id)
        .where(Membership.campaign_id == campaign_id, User.username == username)
    ).first()


def leads_of(session: Session, campaign_id: int) -> list[str]:
    """The user names of the campaign's leads."""
    return sorted(
        session.exec(
            select(User.username)
            .join(Membership, col(Membership.user_id) == User.id)
            .where(Membership.campaign_id == campaign_id, Membership.role == UserRole.LEAD)
        ).all()
    )


def campaign_ids_of(session: Session, username: str, role: str | None = None) -> list[int]:
    """The campaigns the user belongs to (in `role`, if given)."""
    statement = (
        select(Membership.campaign_id)
        .join(User, col(User.id) == Membership.user_id)
        .where(User.username == username)
    )
    if role is not None:
        statement = statement.where(Membership.role == role)
    return list(session.exec(statement).all())


# Built once: every claim, heartbeat and submission from the queue runs it.
_WITH_ROLE = (
    select(Campaign, Membership.role)
    .join(Membership, col(Membership.campaign_id) == Campaign.id)
    .join(User, col(User.id) == Membership.user_id)
    .where(Campaign.id == bindparam("campaign_id"), User.username == bindparam("me"))
)


def require_member(session: Session, by: Actor, campaign_id: int, *roles: str) -> Campaign:
    """The campaign, if `by` belongs to it (in one of `roles`, if given) or is an admin;
    NotFound otherwise, so that a campaign's existence is no one else's business."""
    if by.may(Permission.ADMIN):
        return campaign_row(session, campaign_id)
    found = session.exec(_WITH_ROLE, params={"campaign_id": campaign_id, "me": by.name}).first()
    if found is None or (roles and found[1] not in roles):
        raise NotFound(f"no campaign {campaign_id}")
    return found[0]


def require_lead(session: Session, by: Actor, campaign_id: int) -> Campaign:
    """The campaign, if `by` leads it (or is an admin); a member who does not lead is refused."""
    by.require(Permission.MANAGE, "managing a campaign")
    return require_member(session, by, campaign_id, UserRole.LEAD)


def ensure_lead(session: Session, by: Actor, campaign_id: int) -> None:
    """Refuse (403, or 404 to a non-member) unless `by` may manage the campaign: for an edge to
    check before it reads a form."""
    require_lead(session, by, campaign_id)


def may_manage(session: Session, by: Actor, campaign_id: int) -> bool:
    """Whether `by` may manage the campaign (leads it, or is an admin)."""
    if by.may(Permission.ADMIN):
        return True
    lead = by.may(Permission.MANAGE)
    return lead and role_in(session, campaign_id, by.name) == UserRole.LEAD


def members(session: Session, campaign_id: int, *, by: Actor) -> dict[str, str]:
    """User name → campaign role, for one campaign, shown to its members and admins."""
    require_member(session, by, campaign_id)
    rows = session.exec(
        select(User.username, Membership.role)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.campaign_id == campaign_id)
        .order_by(col(User.username))
    ).all()
    return dict(rows)


def record(session: Session, by: Actor, action: str, campaign_id: int, **details) -> None:
    """An audit entry for something `by` did to the campaign."""
    audit.record(
        session,
        actor=by.name,
        action=f"campaign.{action}",
        subject_type="campaign",
        subject_id=str(campaign_id),
        **details,
    )


def set_members(
    session: Session, *, campaign_id: int, roles: dict[str, str], by: Actor
) -> dict[str, str]:
    """Replace a campaign's members: each an existing user with a campaign role. A lead keeps
    themselves a lead (only an admin may take that away), as nobody else could undo it."""
    require_lead(session, by, campaign_id)
    if not by.may(Permission.ADMIN) and roles.get(by.name) != UserRole.LEAD:
        raise InvalidInput("keep yourself as a lead of the campaign (an admin may change that)")
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
    record(session, by, "members", campaign_id, members=dict(sorted(roles.items())))
    session.flush()
    return dict(sorted(roles.items()))
