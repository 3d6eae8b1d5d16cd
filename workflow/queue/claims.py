"""Claiming work: the next item for an annotator, taken atomically under a lease that a
heartbeat renews; skipping and releasing give the seat back.

A claim locks its item with FOR UPDATE SKIP LOCKED on PostgreSQL, so fifty claimers take
fifty different items without waiting on one another; SQLite's single writer (BEGIN
IMMEDIATE) serializes them instead. Either way the seats are the arbiter: k rows per item,
(item, holder) unique.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, nulls_last, select, text, update
from sqlmodel import Session, col

from workflow import audit
from workflow.campaigns.membership import campaign_row, require_member
from workflow.campaigns.settings import Ordering
from workflow.identity.access import Actor, Permission, UserRole
from workflow.items import seats
from workflow.items.store import lock_item
from workflow.kernel.errors import Conflict, InvalidInput, NotFound
from workflow.models import Campaign, Item, Membership, Seat, Skip, User
from workflow.models.base import as_utc, utcnow
from workflow.models.items import CLAIMABLE

_ITEMS, _SEATS, _SKIPS = Item.__table__, Seat.__table__, Skip.__table__
MAX_REASON = 1000
# Lapsed leases a claim clears before it looks for work; the reconciler clears the rest.
_LAPSE_BATCH = 100


@dataclass(frozen=True, slots=True)
class ClaimView:
    """A claimed item: what to annotate, and until when the claim holds without a heartbeat."""

    item_id: int
    campaign_id: int
    trace_id: str
    span_id: str | None
    name: str
    lease_expires_at: datetime


def _claimable(ordering: Ordering):
    """The campaign's next item for an annotator, locked: claimable, not theirs, not skipped
    by them; with what a claim shows of it."""
    items = _ITEMS.c
    mine = exists().where(_SEATS.c.item_id == items.id, _SEATS.c.holder == bindparam("me"))
    skipped = exists().where(_SKIPS.c.item_id == items.id, _SKIPS.c.annotator == bindparam("me"))
    # Each order is one ix_items_claimable reads as it is (backwards, or forwards), so the scan
    # stops at the first item nobody has locked; in_order sorts.
    order = {
        Ordering.FINISH_FIRST: (items.filled.desc(), items.id.desc()),
        Ordering.BREADTH_FIRST: (items.filled, items.id),
        Ordering.IN_ORDER: (items.id,),
    }[ordering]
    return (
        select(items.id, items.campaign_id, items.trace_id, items.span_id, items.name)
        .where(items.campaign_id == bindparam("campaign_id"), text(CLAIMABLE), ~mine, ~skipped)
        .order_by(*order)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


_CLAIMABLE = {ordering: _claimable(ordering) for ordering in Ordering}

# In the words of ix_seats_lease's predicate, for the planner to match it (see CLAIMABLE).
_CLAIMED = text("seats.status = 'claimed'")
_LAPSED = (
    select(_SEATS.c.item_id)
    .where(
        _CLAIMED,
        _SEATS.c.lease_expires_at < bindparam("now"),
        _SEATS.c.campaign_id == bindparam("campaign_id"),
    )
    .limit(_LAPSE_BATCH)
)


def expire_leases(session: Session, *, campaign_id: int | None = None, limit: int = 500) -> int:
    """Give back the seats whose lease ran out (of one campaign, or all): how many. Items
    someone has locked are left for the next pass."""
    now = utcnow()
    statement = (
        _LAPSED
        if campaign_id is not None
        else select(_SEATS.c.item_id).where(_CLAIMED, _SEATS.c.lease_expires_at < now).limit(limit)
    )
    stale = sorted(
        set(session.execute(statement, {"now": now, "campaign_id": campaign_id}).scalars())
    )
    if not stale:
        return 0
    locked = list(
        session.execute(
            select(_ITEMS.c.id)
            .where(_ITEMS.c.id.in_(stale))
            .order_by(_ITEMS.c.id)
            .with_for_update(skip_locked=True)
        ).scalars()
    )
    return seats.lapse(session, locked, now)


def _lease(campaign: Campaign) -> timedelta:
    return timedelta(seconds=campaign.lease_seconds)


def _view(item, expires: datetime) -> ClaimView:
    """The claim on `item`: an Item, or a row with its id, campaign_id, trace_id, span_id, name."""
    return ClaimView(
        item.id, item.campaign_id, item.trace_id, item.span_id or None, item.name, expires
    )


# Built once, as the claim's other statements: each runs on every claim.
_HELD = (
    select(
        _ITEMS.c.id,
        _ITEMS.c.campaign_id,
        _ITEMS.c.trace_id,
        _ITEMS.c.span_id,
        _ITEMS.c.name,
        _SEATS.c.lease_expires_at,
    )
    .select_from(_SEATS.join(_ITEMS, _ITEMS.c.id == _SEATS.c.item_id))
    .where(
        _SEATS.c.campaign_id == bindparam("campaign_id"),
        _SEATS.c.holder == bindparam("me"),
        _CLAIMED,
        _SEATS.c.lease_expires_at >= bindparam("now"),
    )
    .order_by(_SEATS.c.claimed_at)
    .limit(1)
)


def _held(session: Session, me: str, campaign_id: int) -> ClaimView | None:
    """The annotator's live claim in the campaign, if they have one (the one they resume)."""
    row = session.execute(_HELD, {"campaign_id": campaign_id, "me": me, "now": utcnow()}).first()
    return None if row is None else _view(row, as_utc(row.lease_expires_at))


def _returned(session: Session, me: str, campaign_id: int) -> ClaimView | None:
    """An item the committee sent back to the annotator in the campaign, oldest first: it
    comes before new work, under a lease that only keeps the page's heartbeat honest (a
    returned seat never lapses)."""
    row = session.execute(
        select(_ITEMS.c.id, _ITEMS.c.campaign_id, _ITEMS.c.trace_id)
        .add_columns(_ITEMS.c.span_id, _ITEMS.c.name)
        .select_from(_SEATS.join(_ITEMS, _ITEMS.c.id == _SEATS.c.item_id))
        .where(
            _SEATS.c.campaign_id == campaign_id,
            _SEATS.c.holder == me,
            _SEATS.c.status == seats.RETURNED,
        )
        .order_by(_ITEMS.c.state_changed_at, _ITEMS.c.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    expires = utcnow() + _lease(campaign_row(session, campaign_id))
    session.execute(
        update(_SEATS)
        .where(_SEATS.c.item_id == row.id, _SEATS.c.holder == me)
        .values(lease_expires_at=expires)
    )
    return _view(row, expires)


def _annotating_in(session: Session, me: str) -> list[int]:
    """The open campaigns the annotator works in: highest priority, then soonest due, first."""
    # `execute(...).scalars()`: this is SQLAlchemy's select, whose rows `session.exec` would
    # hand back as one-element Rows, not ids (a claim across campaigns then failed to bind).
    return list(
        session.execute(
            select(Campaign.id)
            .join(Membership, col(Membership.campaign_id) == Campaign.id)
            .join(User, col(User.id) == Membership.user_id)
            .where(
                User.username == me,
                Membership.role == UserRole.ANNOTATOR,
                Campaign.status == "open",
            )
            .order_by(
                col(Campaign.priority).desc(), nulls_last(col(Campaign.deadline)), col(Campaign.id)
            )
        ).scalars()
    )


def claim_next(session: Session, *, by: Actor, campaign_id: int | None = None) -> ClaimView | None:
    """The annotator's next item, claimed: in the campaign given, or across theirs by priority
    and due date. An annotator who already holds a live claim there gets it back. None when
    there is nothing left for them."""
    by.require(Permission.ANNOTATE, "claiming work")
    if campaign_id is not None:
        campaign = require_member(session, by, campaign_id, UserRole.ANNOTATOR)
        if campaign.status != "open":
            raise Conflict(f"campaign {campaign_id} is closed: it takes no more claims")
        order = [campaign_id]
    else:
        order = _annotating_in(session, by.name)
    for candidate in order:
        held = _returned(session, by.name, candidate) or _held(session, by.name, candidate)
        if held is not None:
            return held
        claimed = _claim_in(session, by.name, campaign_row(session, candidate))
        if claimed is not None:
            return claimed
    return None


def _claim_in(session: Session, me: str, campaign: Campaign) -> ClaimView | None:
    assert campaign.id is not None
    expire_leases(session, campaign_id=campaign.id)
    statement = _CLAIMABLE[Ordering(campaign.ordering)]
    found = session.execute(statement, {"campaign_id": campaign.id, "me": me}).first()
    if found is None:
        return None
    expires = utcnow() + _lease(campaign)
    seats.take_open(session, found.id, me, until=expires)
    return _view(found, expires)


def heartbeat(session: Session, *, by: Actor, item_id: int) -> datetime:
    """Renew the annotator's claim; Conflict when it ended and the seat went to someone else."""
    by.require(Permission.ANNOTATE, "renewing a claim")
    item = _claimed_item(session, item_id)
    campaign = campaign_row(session, item.campaign_id or 0)
    if campaign.status != "open":
        raise Conflict(f"campaign {campaign.id} is closed: its claims are not renewed")
    expires = utcnow() + _lease(campaign)
    renewed = session.execute(
        update(_SEATS)
        .where(
            _SEATS.c.item_id == item_id,
            _SEATS.c.holder == by.name,
            _SEATS.c.status.in_([seats.CLAIMED, seats.RETURNED]),
        )
        .values(lease_expires_at=expires)
    ).rowcount
    if not renewed:
        raise Conflict(_why_ended(session, item_id, by.name))
    return expires


def _why_ended(session: Session, item_id: int, me: str) -> str:
    """Why `me` holds no claim on the item to renew: answered already, or the lease ran out."""
    status = session.execute(
        select(_SEATS.c.status).where(_SEATS.c.item_id == item_id, _SEATS.c.holder == me)
    ).scalar()
    if status == seats.SUBMITTED:
        return f"you answered item {item_id} already: there is no claim on it to renew"
    return (
        f"your claim on item {item_id} ended: its lease ran out and the item went back to the pool"
    )


def _claimed_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None or item.campaign_id is None:
        raise NotFound(f"no claim on item {item_id}")
    return item


def release(session: Session, *, by: Actor, item_id: int) -> None:
    """Give a claimed item back, unannotated; NotFound when `by` holds no claim on it."""
    by.require(Permission.ANNOTATE, "releasing a claim")
    lock_item(session, _claimed_item(session, item_id).id or 0)
    if not seats.vacate(session, item_id, by.name, only_claimed=True):
        raise NotFound(f"no claim on item {item_id}")


def skip(session: Session, *, by: Actor, item_id: int, reason: str) -> None:
    """Pass on a claimed item with a reason: recorded, and the item goes to someone else."""
    by.require(Permission.ANNOTATE, "skipping an item")
    reason = reason.strip()
    if not 1 <= len(reason) <= MAX_REASON:
        raise InvalidInput(f"a skip needs a reason of 1 to {MAX_REASON} characters")
    item = _claimed_item(session, item_id)
    lock_item(session, item_id)
    if not seats.vacate(session, item_id, by.name, only_claimed=True):
        raise NotFound(f"no claim on item {item_id}")
    session.add(
        Skip(item_id=item_id, campaign_id=item.campaign_id, annotator=by.name, reason=reason)
    )
    audit.record(
        session,
        actor=by.name,
        action="claim.skip",
        subject_type="item",
        subject_id=str(item_id),
        reason=reason,
    )
    session.flush()


def claims_of(session: Session, *, by: Actor) -> list[ClaimView]:
    """The annotator's claims, oldest first; a lapsed one stays listed (its lease in the past)
    until someone else takes its seat, as its holder may still renew or submit it."""
    rows = session.exec(
        select(Item, Seat.lease_expires_at)
        .join(Seat, col(Seat.item_id) == Item.id)
        .where(Seat.holder == by.name, Seat.status == seats.CLAIMED)
        .order_by(col(Seat.claimed_at))
    ).all()
    return [_view(item, as_utc(expires)) for item, expires in rows]
