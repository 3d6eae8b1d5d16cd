"""Which domain function runs each outbox task, and how one message is run exactly once."""

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import Engine

from workflow import outbox, pipeline, review
from workflow.db import autocommit, unit_of_work
from workflow.models import OutboxMessage
from workflow.settings import Settings


class TaskRunner:
    """Runs outbox messages against one database, whatever delivered them (Celery or a thread)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.max_attempts = settings.max_attempts
        # Called after a task that wrote follow-up work commits: publishes that work.
        self.after_commit: Callable[[], None] | None = None
        self.handlers: dict[str, Callable[..., Any]] = {
            outbox.EVALUATE_ITEM: partial(
                pipeline.evaluate, default_overlap=settings.default_overlap
            ),
            outbox.EVALUATE_ITEMS: partial(
                pipeline.evaluate_many, default_overlap=settings.default_overlap
            ),
            outbox.ROUTE_ITEM: review.route,
            outbox.RESOLVE_ITEM: review.resolve,
            outbox.PROMOTE_ITEM: pipeline.promote,
        }

    def _admit(self, message_id: int) -> bool:
        """Count this delivery in its own transaction; False if the message must not run."""
        with autocommit(self.engine) as session:
            return outbox.count_delivery(session, message_id, max_attempts=self.max_attempts)

    def run(self, message_id: int, task: str, payload: dict[str, Any]) -> bool:
        """Run one message; False when it was already done, dead, or a duplicate delivery.

        Deliveries are counted in their own transaction first, so one that crashes the worker
        still counts towards the dead-letter limit. The handler's changes and the "completed"
        mark then commit together: a redelivered message finds the mark and stops.
        """
        handler = self.handlers[task]
        if not self._admit(message_id):
            return False
        try:
            with unit_of_work(self.engine) as session:
                if not outbox.mark_completed(session, message_id):
                    return False
                handler(session, **payload)
        except Exception as exc:
            self._record_failure(message_id, exc)
            raise
        if self.after_commit is not None and outbox.enqueued(session):
            self.after_commit()
        return True

    def _record_failure(self, message_id: int, exc: Exception) -> None:
        with unit_of_work(self.engine) as session:
            message = session.get(OutboxMessage, message_id)
            if message is not None:
                message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
