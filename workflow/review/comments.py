"""An item's review discussion: notes by the reviewers of its rounds and the leads who watch
it, kept with their round, and read by all who see the work on items."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from workflow import audit
from workflow.identity.access import Actor, Permission
from workflow.kernel.errors import Forbidden, InvalidInput, NotFound
from workflow.models import Item, ReviewAssignment, ReviewComment
from workflow.models.base import as_utc

MAX_COMMENT = 4000


@dataclass(frozen=True, slots=True)
class CommentView:
    """One note of the discussion."""

    id: int
    item_id: int
    round: int
    author: str
    body: str
    at: datetime


def _view(row: ReviewComment) -> CommentView:
    assert row.id is not None
    return CommentView(
        row.id, row.item_id, row.review_round, row.author, row.body, as_utc(row.created_at)
    )


def comments(session: Session, *, item_id: int, by: Actor) -> tuple[CommentView, ...]:
    """The item's discussion, oldest first, for those who see the work on items."""
    if not by.sees_work:
        raise Forbidden(f"{by.name} may not read review discussions: they show others' work")
    if session.get(Item, item_id) is None:
        raise NotFound(f"item {item_id} not found")
    return comments_of(session, item_id)


def comments_of(session: Session, item_id: int) -> tuple[CommentView, ...]:
    """The item's discussion, oldest first (its reader's right to it checked already)."""
    rows = session.exec(
        select(ReviewComment)
        .where(ReviewComment.item_id == item_id)
        .order_by(col(ReviewComment.id))
    )
    return tuple(_view(row) for row in rows)


def add_comment(session: Session, *, item_id: int, body: str, by: Actor) -> CommentView:
    """Add a note to the item's discussion: a reviewer of one of its rounds, a lead or an
    admin may; it belongs to the item's current round."""
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"item {item_id} not found")
    text = body.strip()
    if not text or len(text) > MAX_COMMENT:
        raise InvalidInput(f"a comment has 1 to {MAX_COMMENT} characters")
    if not (by.may(Permission.MANAGE) or by.may(Permission.ADMIN) or _reviews(session, item, by)):
        raise Forbidden(f"{by.name} does not review item {item_id}")
    row = ReviewComment(item_id=item_id, review_round=item.review_round, author=by.name, body=text)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=by.name,
        action="review.comment",
        subject_type="item",
        subject_id=str(item_id),
        round=item.review_round,
        comment_id=row.id,
    )
    return _view(row)


def _reviews(session: Session, item: Item, by: Actor) -> bool:
    if not by.may(Permission.REVIEW):
        return False
    found = session.exec(
        select(ReviewAssignment.reviewer_id).where(
            ReviewAssignment.item_id == item.id, ReviewAssignment.reviewer_id == by.name
        )
    ).first()
    return found is not None
