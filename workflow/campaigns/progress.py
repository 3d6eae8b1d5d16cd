"""How far a campaign has come: its items per state and each annotator's count, for leads;
an annotator's own progress in each of their campaigns, for the annotator."""

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from workflow.campaigns.membership import require_lead
from workflow.identity.access import Actor, UserRole
from workflow.items.seats import CLAIMED, RETURNED, SUBMITTED
from workflow.models import Campaign, Item, Membership, Seat, Skip, User


@dataclass(frozen=True, slots=True)
class AnnotatorCount:
    """One annotator's work in a campaign."""

    annotator: str
    submitted: int
    claimed: int
    skipped: int


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    """A campaign's items per state, seats filled against the total, and who did what."""

    campaign_id: int
    items: int
    states: dict[str, int]
    seats: int
    submitted: int
    annotators: tuple[AnnotatorCount, ...]


def progress(session: Session, *, campaign_id: int, by: Actor) -> CampaignProgress:
    """A campaign's progress, for its leads and admins."""
    require_lead(session, by, campaign_id)
    states = dict(
        session.exec(
            select(Item.state, func.count())
            .where(Item.campaign_id == campaign_id)
            .group_by(col(Item.state))
        ).all()
    )
    per_status = session.exec(
        select(Seat.holder, Seat.status, func.count())
        .where(Seat.campaign_id == campaign_id)
        .group_by(col(Seat.holder), col(Seat.status))
    ).all()
    skips = dict(
        session.exec(
            select(Skip.annotator, func.count())
            .where(Skip.campaign_id == campaign_id)
            .group_by(col(Skip.annotator))
        ).all()
    )
    counts: dict[str, dict[str, int]] = {name: {} for name in skips}
    for holder, status, count in per_status:
        if holder is not None:
            counts.setdefault(holder, {})[status] = count
    return CampaignProgress(
        campaign_id=campaign_id,
        items=sum(states.values()),
        states=dict(sorted(states.items())),
        seats=sum(count for _, _, count in per_status),
        submitted=sum(count for _, status, count in per_status if status == SUBMITTED),
        annotators=tuple(
            AnnotatorCount(
                name, by_status.get(SUBMITTED, 0), by_status.get(CLAIMED, 0), skips.get(name, 0)
            )
            for name, by_status in sorted(counts.items())
        ),
    )


@dataclass(frozen=True, slots=True)
class MyCampaign:
    """One of an annotator's campaigns, as their work page shows it."""

    campaign_id: int
    name: str
    status: str
    priority: int
    due: object
    instructions: str
    items: int
    submitted: int
    claimed: int
    skipped: int
    returned: int = 0  # answered, and sent back by the committee for a second look


def my_work(session: Session, *, by: Actor) -> list[MyCampaign]:
    """The campaigns `by` annotates in, highest priority first, with their own counts only:
    never how many others answered."""
    campaigns = session.exec(
        select(Campaign)
        .join(Membership, col(Membership.campaign_id) == Campaign.id)
        .join(User, col(User.id) == Membership.user_id)
        .where(User.username == by.name, Membership.role == UserRole.ANNOTATOR)
        .order_by(col(Campaign.priority).desc(), col(Campaign.id))
    ).all()
    ids = [campaign.id for campaign in campaigns]
    sizes = dict(
        session.exec(
            select(Item.campaign_id, func.count())
            .where(col(Item.campaign_id).in_(ids))
            .group_by(col(Item.campaign_id))
        ).all()
    )
    mine: dict[tuple[int, str], int] = {
        (campaign_id, status): count
        for campaign_id, status, count in session.exec(
            select(Seat.campaign_id, Seat.status, func.count())
            .where(Seat.holder == by.name, col(Seat.campaign_id).in_(ids))
            .group_by(col(Seat.campaign_id), col(Seat.status))
        ).all()
    }
    skipped = dict(
        session.exec(
            select(Skip.campaign_id, func.count())
            .where(Skip.annotator == by.name, col(Skip.campaign_id).in_(ids))
            .group_by(col(Skip.campaign_id))
        ).all()
    )
    return [
        MyCampaign(
            campaign_id=campaign.id or 0,
            name=campaign.name,
            status=campaign.status,
            priority=campaign.priority,
            due=campaign.deadline,
            instructions=campaign.instructions,
            items=sizes.get(campaign.id, 0),
            submitted=mine.get((campaign.id or 0, SUBMITTED), 0),
            claimed=mine.get((campaign.id or 0, CLAIMED), 0),
            skipped=skipped.get(campaign.id, 0),
            returned=mine.get((campaign.id or 0, RETURNED), 0),
        )
        for campaign in campaigns
    ]
