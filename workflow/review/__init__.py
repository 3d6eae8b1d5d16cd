"""The committee: routing disputed items to reviewers, their votes, the quorum rule, resolution."""

from workflow.review.committee import (
    VoteRequest,
    VoteView,
    assigned,
    cast_vote,
    committee,
    resolve,
    route,
    set_committee,
)
from workflow.review.views import (
    DecisionView,
    ItemStatusView,
    ItemView,
    ProposalView,
    QueuedItemView,
    ReviewView,
    item_status,
    review_view,
    reviewer_queue,
)

__all__ = [
    "DecisionView",
    "ItemStatusView",
    "ItemView",
    "ProposalView",
    "QueuedItemView",
    "ReviewView",
    "VoteRequest",
    "VoteView",
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
