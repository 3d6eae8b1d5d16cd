"""A reviewer's desk for one item: the review as the API gives it, the trace made readable,
the schema a corrected value must fit, and the round's votes once they may be seen."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from workflow.items.label_schemas import spec_for
from workflow.models import Item, Vote
from workflow.review.committee import VoteView, vote_view
from workflow.review.committees import rule_of, scope_for
from workflow.review.views import ReviewView, review_view
from workflow.traces import get_trace
from workflow.traces.reading import ReadableTrace, read_trace


@dataclass(frozen=True, slots=True)
class ReviewDesk:
    """What the review page shows a reviewer of the item. `votes`: the round's votes, shown
    once the reviewer has voted (to the chair always), None until then, so nobody follows."""

    review: ReviewView
    schema: dict[str, Any]
    trace: ReadableTrace
    votes: tuple[VoteView, ...] | None
    chair: str | None


def review_desk(session: Session, *, item_id: int, reviewer_id: str) -> ReviewDesk:
    """The desk of `reviewer_id` for the item; Forbidden unless they review its round."""
    review = review_view(session, item_id=item_id, reviewer_id=reviewer_id)
    item = session.get_one(Item, item_id)
    spec, _ = spec_for(session, item, [proposal.value for proposal in review.proposals])
    chair = rule_of(session, scope_for(session, item)).chair
    votes = None
    if review.my_vote is not None or reviewer_id == chair:
        rows = session.exec(
            select(Vote)
            .where(Vote.item_id == item_id, Vote.review_round == item.review_round)
            .order_by(col(Vote.reviewer_id))
        )
        votes = tuple(vote_view(row) for row in rows)
    trace = get_trace(session, trace_id=item.trace_id)
    return ReviewDesk(
        review=review,
        schema=spec.to_dict(),
        trace=read_trace(trace.trace_id, trace.info, trace.spans, item.span_id or None),
        votes=votes,
        chair=chair,
    )
