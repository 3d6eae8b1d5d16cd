"""The item's life as a table of (state, event) -> state; every other module asks this one."""

from enum import StrEnum

from workflow.kernel.errors import Conflict
from workflow.kernel.task_names import TaskName


class ItemState(StrEnum):
    """Where an item stands on its way to a canonical expectation."""

    COLLECTING = "collecting"
    EVALUATING = "evaluating"
    AGREED = "agreed"
    DISPUTED = "disputed"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    PROMOTED = "promoted"
    REOPENED = "reopened"


class ItemEvent(StrEnum):
    """What can happen to an item."""

    QUOTA_REACHED = "quota_reached"
    AGREE = "agree"
    DISAGREE = "disagree"
    INSUFFICIENT = "insufficient"
    TOP_UP = "top_up"  # adaptive overlap: they disagree, so one more annotator is drawn
    ROUTE = "route"
    RESOLVE = "resolve"
    PROMOTE = "promote"
    REOPEN = "reopen"


S, E = ItemState, ItemEvent

TRANSITIONS: dict[tuple[ItemState, ItemEvent], ItemState] = {
    (S.COLLECTING, E.QUOTA_REACHED): S.EVALUATING,
    (S.REOPENED, E.QUOTA_REACHED): S.EVALUATING,
    (S.EVALUATING, E.AGREE): S.AGREED,
    (S.EVALUATING, E.DISAGREE): S.DISPUTED,
    # Too few usable proposals after all (one was withdrawn): back to collecting.
    (S.EVALUATING, E.INSUFFICIENT): S.COLLECTING,
    (S.EVALUATING, E.TOP_UP): S.COLLECTING,
    (S.AGREED, E.PROMOTE): S.PROMOTED,
    (S.DISPUTED, E.ROUTE): S.IN_REVIEW,
    (S.IN_REVIEW, E.RESOLVE): S.RESOLVED,
    (S.RESOLVED, E.PROMOTE): S.PROMOTED,
    (S.PROMOTED, E.REOPEN): S.REOPENED,
    (S.RESOLVED, E.REOPEN): S.REOPENED,
    (S.DISPUTED, E.REOPEN): S.REOPENED,
    (S.IN_REVIEW, E.REOPEN): S.REOPENED,
    (S.AGREED, E.REOPEN): S.REOPENED,
}


# Where an item takes proposals towards its quota.
COLLECTING_STATES = frozenset({S.COLLECTING, S.REOPENED})
# Where an item has left collection; a changed set of proposals sends it back (reopen).
DECIDED_STATES = frozenset({S.AGREED, S.DISPUTED, S.IN_REVIEW, S.RESOLVED, S.PROMOTED})
# The transient states and the task that moves an item on from each: the reconciler re-drives
# an item idle in one of them.
RESUMED_BY = {
    S.AGREED: TaskName.PROMOTE_ITEM,
    S.RESOLVED: TaskName.PROMOTE_ITEM,
    S.DISPUTED: TaskName.ROUTE_ITEM,
}


def next_state(state: ItemState, event: ItemEvent) -> ItemState:
    """The state an event leads to, or Conflict when the move is not in the table."""
    try:
        return TRANSITIONS[(ItemState(state), event)]
    except KeyError:
        raise Conflict(f"an item in state {state!s} cannot take event {event!s}") from None
