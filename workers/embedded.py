"""Embedded mode: the worker, the relay and the reconciler as threads of the API process."""

import logging
import threading
import time

from sqlalchemy import Engine

from workers import letters
from workers.inprocess import InProcessPublisher
from workers.relay import Relay
from workflow import outbox
from workflow.items.overview import backlog
from workflow.kernel.db import unit_of_work
from workflow.kernel.settings import Settings
from workflow.tasks.reconcile import ReconcileReport, reconcile
from workflow.tasks.registry import coalescing
from workflow.tasks.runner import TaskRunner

log = logging.getLogger(__name__)


class Embedded:
    """Everything `quorum serve` runs besides the API when no broker is configured."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        runner = TaskRunner(engine, settings, compose=letters.compose)
        self.worker = InProcessPublisher(runner)
        self.relay = Relay(
            engine, self.worker, coalesce=coalescing(runner.tasks), linger=settings.relay_linger
        )
        self._stop = threading.Event()
        self._reconciler = threading.Thread(
            target=self._reconcile_forever, name="quorum-reconciler", daemon=True
        )

    def start(self) -> "Embedded":
        """Re-queue what a stopped process held, then start the threads."""
        with unit_of_work(self.engine) as session:
            # The in-process queue died with the last process: its messages must go out again.
            outbox.requeue_unfinished(session)
        self.worker.start()
        self.relay.start()
        self._reconciler.start()
        self.relay.kick()
        return self

    def reconcile_now(self) -> ReconcileReport:
        """One reconciler pass in this thread."""
        settings = self.settings
        with unit_of_work(self.engine) as session:
            return reconcile(
                session,
                redeliver_after=settings.redeliver_after,
                stuck_after=settings.stuck_after,
                max_attempts=settings.max_attempts,
            )

    def drain(self, timeout: float = 30.0) -> None:
        """Run until no outbox message is left unfinished, follow-ups included (for tests)."""
        deadline = time.monotonic() + timeout
        while True:
            while self.relay.publish_now():
                pass
            self.worker.join()
            with unit_of_work(self.engine) as session:
                if backlog(session).pending == 0:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("outbox messages are still unfinished")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop the reconciler and relay, then let the worker finish its queue."""
        self._stop.set()
        self._reconciler.join(timeout=10)
        self.relay.stop()
        self.worker.stop()

    def _reconcile_forever(self) -> None:
        while not self._stop.wait(self.settings.reconcile_interval):
            try:
                self.reconcile_now()
            except Exception:
                log.exception(
                    "reconciler pass failed; next pass in %ss", self.settings.reconcile_interval
                )
