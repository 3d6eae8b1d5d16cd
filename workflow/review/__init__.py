"""The committee: routing disputed items to reviewers, their votes, the quorum rule, resolution."""

from workflow.models.review import scope_campaign
from workflow.review.comments import CommentView, add_comment, comments
from workflow.review.committee import (
    VoteRequest,
    VoteView,
    assigned,
    cast_vote,
    resolve,
    route,
)
from workflow.review.committees import (
    campaign_reviewers,
    campaign_scope,
    committee,
    rule_of,
    set_committee,
)
from workflow.review.contested import WHOLE, UnitKind
from workflow.review.desk import ReviewDesk, UnitBallotView, review_desk
from workflow.review.history import HistoryEntry, ItemHistory, item_history
from workflow.review.quorum_rule import QuorumRule, Rule
from workflow.review.send_back import send_back
from workflow.review.views import (
    ContestedView,
    DecisionView,
    ItemStatusView,
    ItemView,
    ProposalView,
    ProposedView,
    ReviewView,
    item_status,
    review_view,
)
from workflow.review.waiting import (
    QueuedItemView,
    QueueOrder,
    ReviewerQueueView,
    queue_order,
    reviewer_queue,
)

__all__ = [
    "WHOLE",
    "CommentView",
    "ContestedView",
    "DecisionView",
    "HistoryEntry",
    "ItemHistory",
    "ItemStatusView",
    "ItemView",
    "ProposalView",
    "ProposedView",
    "QueueOrder",
    "QueuedItemView",
    "QuorumRule",
    "ReviewDesk",
    "ReviewView",
    "ReviewerQueueView",
    "Rule",
    "UnitBallotView",
    "UnitKind",
    "VoteRequest",
    "VoteView",
    "add_comment",
    "assigned",
    "campaign_reviewers",
    "campaign_scope",
    "cast_vote",
    "comments",
    "committee",
    "item_history",
    "item_status",
    "queue_order",
    "resolve",
    "review_desk",
    "review_view",
    "reviewer_queue",
    "route",
    "rule_of",
    "scope_campaign",
    "send_back",
    "set_committee",
]
