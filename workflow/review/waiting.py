"""A reviewer's queue: the items in review whose current round they sit on, oldest or most
contested first, filtered, a page at a time by a keyset cursor."""

import re
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import exists
from sqlmodel import Session, col, func, select

from workflow.identity.access import Actor
from workflow.kernel.errors import InvalidInput
from workflow.kernel.states import ItemState
from workflow.models import Item, ItemDisputedField, ReviewAssignment
from workflow.review.identities import proposed_by


class QueueOrder(StrEnum):
    """How a reviewer's queue is sorted."""

    OLDEST = "oldest"  # by id: the order items were made
    CONTESTED = "contested"  # by contest, highest first, then oldest first among equals


@dataclass(frozen=True, slots=True)
class QueuedItemView:
    """An item waiting for a reviewer's vote, and how contested its dispute was."""

    item_id: int
    trace_id: str
    name: str
    round: int
    contest: float


@dataclass(frozen=True, slots=True)
class ReviewerQueueView:
    """One page of a reviewer's queue, how many wait in all (under the same filters; at
    least `total` when `more`, as counting stops at COUNT_CAP), and the cursor of the next
    page (None on the last)."""

    items: tuple[QueuedItemView, ...]
    total: int
    next_page_token: str | None
    more: bool = False


# Counting a queue stops here: a count of 100k waiting items took 89 ms of a page's ~100
# (bench/README.md, tenth session), and past ten thousand the exact number tells nobody more.
COUNT_CAP = 10_000


_OLDEST_CURSOR = re.compile(r"[0-9]{1,10}")
# What a contested cursor decodes to: the score as Python writes a float, and the item id.
_CONTESTED_CURSOR = re.compile(
    r"([0-9]\.[0-9]{1,17}(?:e-[0-9]{1,3})?|[0-9]e-[0-9]{1,3}):([0-9]{1,10})"
)


def queue_order(order: str) -> QueueOrder:
    """The order a request names, or InvalidInput."""
    try:
        return QueueOrder(order)
    except ValueError:
        choices = ", ".join(o.value for o in QueueOrder)
        raise InvalidInput(f"order {order!r} is not one of {choices}") from None


def _token(order: QueueOrder, item: Item) -> str:
    if order is QueueOrder.OLDEST:
        return str(item.id)
    text = f"{item.contest!r}:{item.id}"
    return urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _contested_cursor(token: str) -> tuple[float, int]:
    """The (contest, id) a contested page's token carries, or InvalidInput."""
    try:
        text = urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except ValueError:  # not base64, or not ASCII underneath (both are ValueErrors)
        text = ""
    found = _CONTESTED_CURSOR.fullmatch(text)
    if found is None or not 0.0 <= float(found[1]) <= 1.0:
        raise InvalidInput(f"after {token!r} is not a cursor this queue gave")
    return float(found[1]), int(found[2])


def reviewer_queue(
    session: Session,
    *,
    reviewer_id: str,
    by: Actor,
    limit: int,
    order: QueueOrder = QueueOrder.OLDEST,
    campaign_id: int | None = None,
    name: str | None = None,
    annotator: str | None = None,
    field: str | None = None,
    after: str | None = None,
) -> ReviewerQueueView:
    """Items in review whose current round the reviewer sits on, a page at a time: oldest
    first (keyset on the id, which never changes) or most contested first (keyset on contest
    and id; the contest is fixed while the item is in review); filtered by campaign, label,
    an annotator who proposed on them (named as `by` sees them: by pseudonym where they are
    hidden) and a field their dispute left disputed."""
    if after is not None and order is QueueOrder.OLDEST and not _OLDEST_CURSOR.fullmatch(after):
        raise InvalidInput(f"after {after!r} is not a cursor this queue gave")
    cursor = (
        _contested_cursor(after) if after is not None and order is QueueOrder.CONTESTED else None
    )
    waiting = (
        select(Item)
        .join(
            ReviewAssignment,
            (col(ReviewAssignment.item_id) == col(Item.id))
            & (col(ReviewAssignment.review_round) == col(Item.review_round)),
        )
        .where(ReviewAssignment.reviewer_id == reviewer_id, Item.state == ItemState.IN_REVIEW)
    )
    if campaign_id is not None:
        waiting = waiting.where(Item.campaign_id == campaign_id)
    if name is not None:
        waiting = waiting.where(Item.name == name)
    if annotator is not None:
        waiting = waiting.where(
            proposed_by(session, by=by, reviewer_id=reviewer_id, shown=annotator)
        )
    if field is not None:
        disputed = ItemDisputedField.__table__.c
        waiting = waiting.where(
            exists().where(disputed.item_id == Item.id, disputed.field == field)
        )
    counted = waiting.with_only_columns(col(Item.id)).limit(COUNT_CAP + 1).subquery()
    total = session.exec(select(func.count()).select_from(counted)).one()
    if order is QueueOrder.OLDEST:
        if after is not None:
            waiting = waiting.where(col(Item.id) > int(after))
        waiting = waiting.order_by(col(Item.id))
    else:
        if cursor is not None:
            contest, item_id = cursor
            # `contest <= c` bounds the index scan; the rest drops the ties already shown.
            waiting = waiting.where(
                col(Item.contest) <= contest,
                (col(Item.contest) < contest) | (col(Item.id) > item_id),
            )
        waiting = waiting.order_by(col(Item.contest).desc(), col(Item.id))
    rows = session.exec(waiting.limit(limit + 1)).all()
    shown = rows[:limit]
    return ReviewerQueueView(
        items=tuple(
            QueuedItemView(
                item_id=i.id or 0,
                trace_id=i.trace_id,
                name=i.name,
                round=i.review_round,
                contest=i.contest,
            )
            for i in shown
        ),
        total=min(total, COUNT_CAP),
        more=total > COUNT_CAP,
        next_page_token=_token(order, shown[-1]) if len(rows) > limit else None,
    )
