"""Notifications raised by the pipeline and the committee, stored once per (event, item, round,
recipient)."""

from workflow.notifications.record import LEADS, SUBSCRIBERS, raise_for_each, raise_once

__all__ = ["LEADS", "SUBSCRIBERS", "raise_for_each", "raise_once"]
