"""The embedded worker: runs outbox tasks in a thread of the API process, no broker needed."""

import logging
import queue
import threading
from collections.abc import Sequence

from workflow.outbox.messages import Pending
from workflow.tasks.runner import Message, TaskRunner

log = logging.getLogger(__name__)


class InProcessPublisher:
    """A publisher whose "broker" is a queue drained by one thread in this process."""

    def __init__(self, runner: TaskRunner) -> None:
        self._runner = runner
        self._queue: queue.Queue[tuple[str, list[Message]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="quorum-worker", daemon=True)

    def start(self) -> "InProcessPublisher":
        """Start the worker thread; returns self for chaining."""
        self._thread.start()
        return self

    def publish(self, task: str, messages: Sequence[Pending]) -> None:
        """Queue a delivery for the worker thread."""
        self._queue.put((task, [(message.id, message.payload) for message in messages]))

    def depth(self) -> int:
        """Messages queued and not yet taken by the worker thread."""
        return self._queue.qsize()

    def join(self) -> None:
        """Wait until every queued message has been run (for tests and shutdown)."""
        self._queue.join()

    def stop(self) -> None:
        """Finish queued work, then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while (delivery := self._queue.get()) is not None:
            task, messages = delivery
            try:
                self._runner.run_delivery(task, messages)
            except Exception:
                # Left uncompleted in the outbox: the reconciler publishes it again.
                log.exception("task %s for messages %s failed", task, [m for m, _ in messages])
            finally:
                self._queue.task_done()
        self._queue.task_done()
