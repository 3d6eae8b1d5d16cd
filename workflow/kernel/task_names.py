"""The names of background tasks: stable strings, so renaming a function never orphans queued
messages. What runs each is declared once, in `workflow.tasks.registry`."""

from enum import StrEnum


class TaskName(StrEnum):
    """A kind of outbox message."""

    EVALUATE_ITEM = "quorum.item.evaluate"
    # Many items in one message, for bulk imports: one delivery and one publish per hundred.
    EVALUATE_ITEMS = "quorum.items.evaluate"
    ROUTE_ITEM = "quorum.item.route"
    RESOLVE_ITEM = "quorum.item.resolve"
    PROMOTE_ITEM = "quorum.item.promote"
    SNAPSHOT_CAMPAIGN = "quorum.campaign.snapshot"
    # Give new events to the endpoints that listen, and send what is due.
    DELIVER_WEBHOOKS = "quorum.webhooks.deliver"
    # Turn new events into emails for the people they concern, and send what is due.
    DELIVER_EMAILS = "quorum.emails.deliver"
