"""The committee: routing disputed items to reviewers, their votes, the quorum rule, resolution."""

from workflow.review.committee import (
    VoteRequest,
    assigned,
    cast_vote,
    committee,
    item_status,
    resolve,
    review_view,
    reviewer_queue,
    route,
    set_committee,
)

__all__ = [
    "VoteRequest",
    "assigned",
    "cast_vote",
    "committee",
    "item_status",
    "resolve",
    "review_view",
    "reviewer_queue",
    "route",
    "set_committee",
]
