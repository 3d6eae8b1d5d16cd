"""The outbox: work written in the caller's transaction and handed to a publisher after commit."""

from workflow.outbox.messages import (
    Pending,
    count_deliveries,
    deliveries,
    enqueue,
    enqueue_many,
    gather_first_delivery,
    mark_all_completed,
    mark_completed,
    publish_pending,
    record_failure,
    requeue_unfinished,
    stop_waking,
    wake_on_commit,
)

__all__ = [
    "Pending",
    "count_deliveries",
    "deliveries",
    "enqueue",
    "enqueue_many",
    "gather_first_delivery",
    "mark_all_completed",
    "mark_completed",
    "publish_pending",
    "record_failure",
    "requeue_unfinished",
    "stop_waking",
    "wake_on_commit",
]
