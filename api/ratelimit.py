"""Per-user rate limits for writes: GCRA buckets held in memory or shared through Redis."""

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

# Keys are swept once the table doubles since the last sweep: amortised O(1) per hit, and at most
# twice the live keys (plus this floor) are ever held.
_SWEEP_FLOOR = 1024
_WARN_EVERY_S = 30.0
# After a Redis failure, skip it this long: a dead Redis then costs one timeout a second, not one
# per request.
_BACKOFF_S = 1.0
_TIMEOUT_S = 0.25
# Float rounding can leave a wait of ~1e-17 s after waiting exactly the retry-after.
_EPSILON_S = 1e-9

# GCRA in Redis microseconds. TIME is server time, so API processes with skewed clocks agree; the
# TAT is written with %.0f because Lua's tostring keeps only 14 digits of a 16-digit number.
_GCRA_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - tonumber(ARGV[2]) - now
if wait > 0 then return math.ceil(wait) end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return 0
"""


class RateLimiter(Protocol):
    """Anything that decides whether one more write by a key is allowed now."""

    def hit(self, key: str) -> float | None:
        """Count one write by `key`; None if allowed, else the seconds to wait before retrying."""
        ...


class Unlimited:
    """Allows everything: the limiter when the rate is 0 (benchmarks)."""

    def hit(self, key: str) -> float | None:
        """Always allowed."""
        return None


def _check(rate: float, burst: int) -> None:
    if rate <= 0 or burst < 1:
        raise ValueError(f"a limiter needs rate > 0 and burst >= 1 (got {rate}, {burst})")


class MemoryLimiter:
    """GCRA buckets of one process (embedded mode): a theoretical arrival time per key."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        _check(rate, burst)
        self.interval = 1.0 / rate
        self.capacity = burst * self.interval
        self.clock = clock
        self._tats: dict[str, float] = {}
        self._lock = threading.Lock()
        self._sweep_at = _SWEEP_FLOOR

    def hit(self, key: str) -> float | None:
        """Count one write by `key`; None if allowed, else the seconds to wait before retrying."""
        with self._lock:
            now = self.clock()
            new_tat = max(self._tats.get(key, now), now) + self.interval
            wait = new_tat - self.capacity - now
            if wait > _EPSILON_S:
                return wait
            self._tats[key] = new_tat
            if len(self._tats) >= self._sweep_at:
                self._sweep(now)
            return None

    def _sweep(self, now: float) -> None:
        # A TAT in the past is a full bucket, the same as no entry at all.
        self._tats = {key: tat for key, tat in self._tats.items() if tat > now}
        self._sweep_at = max(_SWEEP_FLOOR, 2 * len(self._tats))


class RedisLimiter:
    """GCRA buckets in Redis, shared by every API process; allows everything while Redis fails."""

    def __init__(
        self, client: redis.Redis, rate: float, burst: int, prefix: str = "quorum:rate:"
    ) -> None:
        _check(rate, burst)
        self.prefix = prefix
        self._interval_us = 1_000_000 / rate
        self._capacity_us = burst * self._interval_us
        self._script = client.register_script(_GCRA_LUA)
        self._skip_until = 0.0
        self._warned_at = -math.inf

    def hit(self, key: str) -> float | None:
        """Count one write by `key`; None if allowed, else the seconds to wait before retrying."""
        if time.monotonic() < self._skip_until:
            return None
        try:
            wait_us = self._script(
                keys=[self.prefix + key], args=[self._interval_us, self._capacity_us]
            )
        except redis.RedisError as exc:
            # Fail open: the API promises to keep accepting proposals while Redis is down.
            self._failed(exc)
            return None
        return int(wait_us) / 1_000_000 if wait_us else None

    def _failed(self, exc: redis.RedisError) -> None:
        now = time.monotonic()
        self._skip_until = now + _BACKOFF_S
        if now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            log.warning("rate limiter: Redis failed (%s); allowing writes unlimited", exc)


def make_limiter(redis_url: str | None, rate: float, burst: int) -> RateLimiter:
    """Unlimited if rate <= 0, else shared through Redis when a URL is given, else in memory."""
    if rate <= 0:
        return Unlimited()
    if redis_url is None:
        return MemoryLimiter(rate, burst)
    client = redis.Redis.from_url(
        redis_url,
        socket_connect_timeout=_TIMEOUT_S,
        socket_timeout=_TIMEOUT_S,
        # redis-py retries 3 times with backoff by default: seconds of stall per request.
        retry=Retry(NoBackoff(), 0),
    )
    return RedisLimiter(client, rate, burst)
