"""The running app's parts, typed: what the request boundary and the routes may use."""

from collections.abc import Callable
from dataclasses import dataclass

import anyio
from fastapi import Request
from sqlalchemy import Engine

from api.ratelimit import RateLimiter
from workers.embedded import Embedded
from workflow.kernel.settings import Settings
from workflow.kernel.values import ValueLimits


def _unknown_depth() -> int | None:
    return None


@dataclass(slots=True)
class Runtime:
    """One app's settings, database and limiters; the lifespan fills in what runs with it."""

    settings: Settings
    engine: Engine
    limits: ValueLimits
    write_rate: RateLimiter
    login_rate: RateLimiter
    # Each API process runs at most QUORUM_WRITE_CONCURRENCY write hops at once (see
    # api.boundary); a limiter belongs to the running event loop, so the lifespan makes it.
    write_slots: anyio.CapacityLimiter | None = None
    # Messages waiting for a worker: the broker's queue, or the in-process worker's.
    queue_depth: Callable[[], int | None] = _unknown_depth
    # Embedded mode's worker, relay and reconciler; None with a broker.
    embedded: Embedded | None = None


def runtime(request: Request) -> Runtime:
    """The runtime of the app serving `request`."""
    return request.app.state.runtime
