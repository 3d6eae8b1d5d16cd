"""Seats: a campaign item's quota as rows, one annotator each. Every function here expects the
item locked by the caller (items before seats, always), so claims never wait on each other."""

from datetime import datetime

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, update
from sqlmodel import Session

from workflow.kernel.errors import Conflict
from workflow.models import Item, Seat
from workflow.models.base import utcnow

_SEATS = Seat.__table__
_ITEMS = Item.__table__

OPEN, CLAIMED, SUBMITTED = "open", "claimed", "submitted"
# Sent back by the committee: still its holder's (their answer stands, the seat is filled),
# waiting for them to revise or keep it. Never lapses: nobody else may take it.
RETURNED = "returned"


def open_seats(session: Session, rows: list[tuple[int, int, int]]) -> None:
    """Give each (item id, campaign id, quota) its seats, numbered from 1."""
    values = [
        {"item_id": item_id, "seat": seat, "campaign_id": campaign_id, "status": OPEN}
        for item_id, campaign_id, quota in rows
        for seat in range(1, quota + 1)
    ]
    if values:
        session.execute(insert(_SEATS), values)


def add_seat(session: Session, item: Item) -> None:
    """One more seat on the item (adaptive overlap draws another annotator)."""
    assert item.id is not None and item.campaign_id is not None and item.quota is not None
    item.quota += 1
    session.add(item)
    session.execute(
        insert(_SEATS),
        {"item_id": item.id, "seat": item.quota, "campaign_id": item.campaign_id, "status": OPEN},
    )


def seen_by(holder: str):
    """The items an annotator may list: campaign-free ones, and campaign items they hold a seat
    on (others of their campaigns would show how far others got)."""
    return or_(
        _ITEMS.c.campaign_id.is_(None),
        exists().where(_SEATS.c.item_id == _ITEMS.c.id, _SEATS.c.holder == holder),
    )


def _free(now: datetime):
    """A seat nobody holds, or one whose lease ran out before the claimant came back."""
    columns = _SEATS.c
    return or_(
        columns.status == OPEN,
        and_(columns.status == CLAIMED, columns.lease_expires_at < now),
    )


def _count(session: Session, item_id: int, delta: int) -> None:
    if delta:
        session.execute(
            update(_ITEMS).where(_ITEMS.c.id == item_id).values(filled=_ITEMS.c.filled + delta)
        )


def take(session: Session, item_id: int, holder: str, *, until: datetime | None) -> bool:
    """Seat `holder` on the item: claimed with a lease `until`, or submitted when `until` is
    None. Their own seat is kept if they have one; else the lowest free seat is taken (a lapsed
    lease is taken over). False when no seat is free."""
    now = utcnow()
    columns = _SEATS.c
    status, expires = (SUBMITTED, None) if until is None else (CLAIMED, until)
    own = session.execute(
        update(_SEATS)
        .where(columns.item_id == item_id, columns.holder == holder)
        .values(status=status, lease_expires_at=expires)
    ).rowcount
    if own:
        return True
    while True:
        seat = session.execute(
            select(columns.seat, columns.status)
            .where(columns.item_id == item_id, _free(now))
            .order_by(columns.seat)
            .limit(1)
        ).first()
        if seat is None:
            return False
        # Compare-and-set: a heartbeat renews a lease without the item lock, so a seat read as
        # lapsed may have been renewed since (its holder told their claim holds); taken only
        # if still free, else the next free seat is tried.
        taken = session.execute(
            update(_SEATS)
            .where(columns.item_id == item_id, columns.seat == seat.seat, _free(now))
            .values(holder=holder, status=status, lease_expires_at=expires, claimed_at=now)
        ).rowcount
        if taken:
            _count(session, item_id, 1 if seat.status == OPEN else 0)
            return True


def _take_open():
    columns = _SEATS.c
    lowest = (
        select(func.min(columns.seat))
        .where(columns.item_id == bindparam("seat_item"), columns.status == OPEN)
        .scalar_subquery()
    )
    return (
        update(_SEATS)
        .where(columns.item_id == bindparam("seat_item"), columns.seat == lowest)
        .values(holder=bindparam("new_holder"), status=CLAIMED)
        .values(lease_expires_at=bindparam("until"), claimed_at=bindparam("now"))
    )


# Built once: every claim runs it.
_TAKE_OPEN = _take_open()


def take_open(session: Session, item_id: int, holder: str, *, until: datetime) -> None:
    """Claim the lowest open seat of a claimable item for someone with no seat on it (a claim
    found it so): two statements, where `take` would spend four."""
    params = {"seat_item": item_id, "new_holder": holder, "until": until, "now": utcnow()}
    claimed = session.execute(_TAKE_OPEN, params).rowcount
    assert claimed == 1, "a claimable item has an open seat"
    _count(session, item_id, 1)


def occupy(session: Session, item_id: int, holder: str) -> None:
    """Seat a submitted proposal's author, or refuse (409) when the item has no room left."""
    if not take(session, item_id, holder, until=None):
        raise Conflict(
            "this item has all the annotators it needs: your claim on it ended (its lease ran"
            " out) and its place went to someone else; nothing was stored"
        )


def vacate(session: Session, item_id: int, holder: str, *, only_claimed: bool = False) -> bool:
    """Free the holder's seat on the item; whether they had one (a claim, if `only_claimed`)."""
    columns = _SEATS.c
    condition = [columns.item_id == item_id, columns.holder == holder]
    if only_claimed:
        condition.append(columns.status == CLAIMED)
    freed = session.execute(
        update(_SEATS)
        .where(*condition)
        .values(holder=None, status=OPEN, lease_expires_at=None, claimed_at=None)
    ).rowcount
    _count(session, item_id, -freed)
    return bool(freed)


def lapse(session: Session, item_ids: list[int], now: datetime) -> int:
    """Open every claimed seat of these (locked) items whose lease ran out; how many."""
    if not item_ids:
        return 0
    columns = _SEATS.c
    lapsed = session.execute(
        update(_SEATS)
        .where(
            columns.item_id.in_(item_ids),
            columns.status == CLAIMED,
            columns.lease_expires_at < now,
        )
        .values(holder=None, status=OPEN, lease_expires_at=None, claimed_at=None)
        .returning(columns.item_id)
    ).all()
    for item_id in {row.item_id for row in lapsed}:
        _count(session, item_id, -sum(1 for row in lapsed if row.item_id == item_id))
    return len(lapsed)


def give_back(session: Session, item_id: int, holders: list[str]) -> int:
    """Return the holders' submitted seats on the item to them: how many."""
    columns = _SEATS.c
    return session.execute(
        update(_SEATS)
        .where(
            columns.item_id == item_id,
            columns.holder.in_(holders),
            columns.status == SUBMITTED,
        )
        .values(status=RETURNED, lease_expires_at=None)
    ).rowcount


def resubmit(session: Session, item_id: int, holder: str) -> bool:
    """The holder answered their returned seat (revised or kept): whether they had one."""
    columns = _SEATS.c
    return bool(
        session.execute(
            update(_SEATS)
            .where(columns.item_id == item_id, columns.holder == holder, columns.status == RETURNED)
            .values(status=SUBMITTED, lease_expires_at=None)
        ).rowcount
    )


def returned(session: Session, item_id: int) -> int:
    """How many of the item's seats wait for their holder's second look."""
    columns = _SEATS.c
    return session.execute(
        select(func.count()).where(columns.item_id == item_id, columns.status == RETURNED)
    ).scalar_one()
