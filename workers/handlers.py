"""Which domain function runs each outbox task, and how one message is run exactly once."""

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import Engine

from workflow import outbox, pipeline
from workflow.db import unit_of_work
from workflow.settings import Settings


class TaskRunner:
    """Runs outbox messages against one database, whatever delivered them (Celery or a thread)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.handlers: dict[str, Callable[..., Any]] = {
            outbox.EVALUATE_ITEM: partial(
                pipeline.evaluate, default_overlap=settings.default_overlap
            ),
        }

    def run(self, message_id: int, task: str, payload: dict[str, Any]) -> bool:
        """Run one message; False when it had already been done (a redelivery).

        The handler's changes and the "completed" mark commit in one transaction, so a crash
        anywhere leaves both or neither: a redelivered message finds the mark and stops.
        """
        handler = self.handlers[task]
        with unit_of_work(self.engine) as session:
            if not outbox.mark_completed(session, message_id):
                return False
            handler(session, **payload)
        return True
