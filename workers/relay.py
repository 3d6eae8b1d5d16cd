"""The outbox relay: publishes committed outbox rows, woken after each commit and on a timer."""

import logging
import threading
from collections.abc import Mapping

from sqlalchemy import Engine

from workflow import outbox
from workflow.kernel.db import autocommit
from workflow.outbox.messages import ROUND_LIMIT, Publisher, publish_pending

log = logging.getLogger(__name__)


class Relay:
    """A background thread that hands pending outbox rows to a publisher."""

    def __init__(
        self,
        engine: Engine,
        publisher: Publisher,
        *,
        coalesce: Mapping[str, int],
        interval: float = 1.0,
        linger: float = 0.0,
    ) -> None:
        self._engine = engine
        self._publisher = publisher
        self._coalesce = coalesce
        self._interval = interval
        self._linger = linger
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="quorum-relay", daemon=True)

    def start(self) -> "Relay":
        """Start the thread, woken by every commit on the engine that wrote outbox rows;
        returns self for chaining."""
        outbox.wake_on_commit(self._engine, self.kick)
        self._thread.start()
        return self

    def kick(self) -> None:
        """Ask for a publish soon; never blocks, so a broker outage never slows a request."""
        self._wake.set()

    def stop(self) -> None:
        """Stop after the current round."""
        outbox.stop_waking(self._engine, self.kick)
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def publish_now(self) -> int:
        """Publish one batch in this thread (used by the loop and by tests)."""
        with autocommit(self._engine) as session:
            return publish_pending(session, self._publisher, coalesce=self._coalesce)

    def _run(self) -> None:
        while not self._stop.is_set():
            # The timeout is the safety net: rows whose kick was lost are published anyway.
            if self._wake.wait(self._interval) and self._linger:
                # Let the commits of the next few milliseconds join this round: their
                # evaluations then share one delivery (see the task registry's `coalesce`).
                self._stop.wait(self._linger)
            self._wake.clear()
            try:
                # Another claim only after a full one: a short round left nothing behind (a
                # commit since then has kicked again), so asking again costs a statement.
                while self.publish_now() >= ROUND_LIMIT:
                    pass
            except Exception:
                log.exception("outbox relay round failed; retrying")
