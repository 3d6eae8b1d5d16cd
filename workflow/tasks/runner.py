"""The task runner: how a delivery's outbox messages run exactly once, whatever delivered them."""

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine

from workflow import outbox
from workflow.kernel.db import autocommit, unit_of_work
from workflow.kernel.settings import Settings
from workflow.mail import Composer
from workflow.tasks.registry import Task, tasks

log = logging.getLogger(__name__)

Message = tuple[int, dict[str, Any]]


class TaskRunner:
    """Runs outbox messages against one database, whatever delivered them (Celery or a thread)."""

    def __init__(self, engine: Engine, settings: Settings, *, compose: Composer) -> None:
        self.engine = engine
        self.max_attempts = settings.max_attempts
        self.tasks: dict[str, Task] = tasks(settings, compose=compose)

    def _admit(self, message_ids: list[int]) -> set[int]:
        """Count this delivery of each message on its own (a worker that crashes later has
        still used the attempt); returns the messages that may run."""
        with autocommit(self.engine) as session:
            return outbox.count_deliveries(session, message_ids, max_attempts=self.max_attempts)

    def run(self, message_id: int, task: str, payload: dict[str, Any]) -> bool:
        """Run one message; False when it was already done, dead, or a duplicate delivery."""
        return self.run_delivery(task, [(message_id, payload)]) == 1

    def run_delivery(self, task: str, messages: Sequence[Message]) -> int:
        """Run a delivery's messages; returns how many ran (done, dead or duplicate ones do not).

        A message's delivery is counted before it runs, so one that crashes the worker still
        counts towards the dead-letter limit. A handler's changes and the "completed" mark
        then commit together: a redelivered message finds its mark and stops.

        Messages of a task that can run together do, in one transaction, on their first
        delivery, joined by the messages of that task nobody has started yet (see
        `outbox.gather_first_delivery`); if that fails, each runs alone. A redelivered message
        (a crash, a time limit) runs one at a time with the rest of its delivery, each counted
        only when it starts: a message that kills its worker then uses up its own attempts,
        not those of the messages behind it. The first failure is raised after the rest ran.
        """
        spec = self.tasks[task]
        together = spec.together
        if together is not None:
            with autocommit(self.engine) as session:
                todo = outbox.gather_first_delivery(
                    session, task, [m for m, _ in messages], limit=spec.coalesce
                )
            if todo:
                try:
                    return self._run_together(together, todo)
                except Exception:
                    log.warning("%d %s messages failed together; each runs alone", len(todo), task)
                return self._run_each(task, todo, counted=True)
        return self._run_each(task, messages, counted=False)

    def _run_each(self, task: str, messages: Sequence[Message], *, counted: bool) -> int:
        ran, failure = 0, None
        for message_id, payload in messages:
            if not counted and not self._admit([message_id]):
                continue
            try:
                ran += self._run_one(message_id, task, payload)
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure
        return ran

    def _run_together(self, together: Callable[..., Any], todo: list[Message]) -> int:
        with unit_of_work(self.engine) as session:
            done = outbox.mark_all_completed(session, [message_id for message_id, _ in todo])
            together(session, [payload for message_id, payload in todo if message_id in done])
        return len(done)

    def _run_one(self, message_id: int, task: str, payload: dict[str, Any]) -> bool:
        try:
            with unit_of_work(self.engine) as session:
                if not outbox.mark_completed(session, message_id):
                    return False
                self.tasks[task].run(session, **payload)
        except Exception as exc:
            with unit_of_work(self.engine) as session:
                outbox.record_failure(session, message_id, f"{type(exc).__name__}: {exc}")
            raise
        return True
