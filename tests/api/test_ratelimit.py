"""The write rate limiter: GCRA in memory (fake clock) and in a real Redis, failing open."""

import logging
import socket
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.backoff import NoBackoff
from redis.retry import Retry

from api import ratelimit
from api.ratelimit import MemoryLimiter, RedisLimiter, Unlimited, make_limiter
from tests.backends import unavailable

REDIS_URL = "redis://127.0.0.1:6379/0"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_memory_allows_the_burst_then_asks_to_wait_one_interval() -> None:
    clock = FakeClock()
    limiter = MemoryLimiter(rate=2, burst=3, clock=clock)
    assert [limiter.hit("ann") for _ in range(3)] == [None, None, None]
    assert limiter.hit("ann") == pytest.approx(0.5)
    clock.advance(0.4)
    assert limiter.hit("ann") == pytest.approx(0.1)
    clock.advance(0.1)
    assert limiter.hit("ann") is None
    assert limiter.hit("ann") == pytest.approx(0.5)


def test_memory_keys_are_independent() -> None:
    limiter = MemoryLimiter(rate=1, burst=1, clock=FakeClock())
    assert limiter.hit("ann") is None
    assert limiter.hit("ann") is not None
    assert limiter.hit("bob") is None


def test_memory_a_full_wait_refills_the_whole_burst() -> None:
    clock = FakeClock()
    limiter = MemoryLimiter(rate=10, burst=5, clock=clock)
    for _ in range(5):
        limiter.hit("ann")
    clock.advance(0.5)
    assert [limiter.hit("ann") for _ in range(6)][-2:] == [None, pytest.approx(0.1)]


def test_memory_forgets_keys_whose_bucket_is_full_again() -> None:
    clock = FakeClock()
    limiter = MemoryLimiter(rate=1, burst=1, clock=clock)
    for n in range(20_000):
        clock.advance(0.01)
        assert limiter.hit(f"user-{n}") is None
    # Only keys hit in the last second are live (100 of them); the rest must have been swept.
    assert len(limiter._tats) < 2_100


hits = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=2, allow_nan=False),
        st.sampled_from(["ann", "bob", "cat"]),
        st.booleans(),
    ),
    max_size=120,
)


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(min_value=0.1, max_value=100, allow_nan=False),
    burst=st.integers(min_value=1, max_value=10),
    hits=hits,
)
def test_memory_never_allows_more_than_burst_plus_rate_times_window(
    rate: float, burst: int, hits: list[tuple[float, str, bool]]
) -> None:
    clock = FakeClock()
    limiter = MemoryLimiter(rate=rate, burst=burst, clock=clock)
    allowed: dict[str, list[float]] = {}
    for advance, key, obey in hits:
        clock.advance(advance)
        wait = limiter.hit(key)
        if wait is not None and obey:
            assert 0 < wait <= burst / rate + 1e-9
            clock.advance(wait)
            wait = limiter.hit(key)
            assert wait is None, "waiting the retry-after must be enough"
        if wait is None:
            allowed.setdefault(key, []).append(clock.now)
    for times in allowed.values():
        for i, start in enumerate(times):
            for j in range(i, len(times)):
                assert j - i + 1 <= burst + rate * (times[j] - start) + 1e-6
    clock.advance(burst / rate)
    for key in ("ann", "bob", "cat"):
        assert all(limiter.hit(key) is None for _ in range(burst))


def test_make_limiter_picks_the_backend() -> None:
    assert isinstance(make_limiter(None, 0, 5), Unlimited)
    assert isinstance(make_limiter(REDIS_URL, -1, 5), Unlimited)
    assert isinstance(make_limiter(None, 5, 2), MemoryLimiter)
    assert isinstance(make_limiter(REDIS_URL, 5, 2), RedisLimiter)
    assert all(Unlimited().hit("ann") is None for _ in range(1000))


def test_a_limiter_without_burst_is_refused() -> None:
    with pytest.raises(ValueError):
        MemoryLimiter(rate=1, burst=0)


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", str(exc))
    yield client
    client.close()


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    prefix = f"quorum-test:rate:{uuid.uuid4().hex}:"
    yield prefix
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)


@pytest.mark.redis
def test_redis_allows_the_burst_then_asks_to_wait(client: redis.Redis, prefix: str) -> None:
    limiter = RedisLimiter(client, rate=1, burst=3, prefix=prefix)
    assert [limiter.hit("ann") for _ in range(3)] == [None, None, None]
    wait = limiter.hit("ann")
    assert wait is not None
    assert 0 < wait <= 1
    assert limiter.hit("bob") is None


@pytest.mark.redis
def test_redis_allows_again_after_the_retry_after(client: redis.Redis, prefix: str) -> None:
    limiter = RedisLimiter(client, rate=20, burst=1, prefix=prefix)
    assert limiter.hit("ann") is None
    wait = limiter.hit("ann")
    assert wait is not None
    time.sleep(wait)
    assert limiter.hit("ann") is None


@pytest.mark.redis
def test_two_processes_share_one_bucket(client: redis.Redis, prefix: str) -> None:
    first = RedisLimiter(client, rate=1, burst=3, prefix=prefix)
    second = RedisLimiter(redis.Redis.from_url(REDIS_URL), rate=1, burst=3, prefix=prefix)
    assert [first.hit("ann"), second.hit("ann"), first.hit("ann")] == [None, None, None]
    assert second.hit("ann") is not None
    assert first.hit("ann") is not None


@pytest.mark.redis
def test_redis_keys_expire_when_the_bucket_is_full_again(client: redis.Redis, prefix: str) -> None:
    limiter = RedisLimiter(client, rate=1, burst=3, prefix=prefix)
    limiter.hit("ann")
    assert 0 < client.pttl(prefix + "ann") <= 1000
    limiter.hit("ann")
    limiter.hit("ann")
    assert 2000 < client.pttl(prefix + "ann") <= 3000


def test_an_unreachable_redis_allows_every_write(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No pause between attempts, so every hit really tries Redis; and no client retries, whose
    # backoff (redis-py's default) would make each attempt last seconds.
    monkeypatch.setattr(ratelimit, "_BACKOFF_S", 0.0)
    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    limiter = RedisLimiter(dead, rate=1, burst=1, prefix="unused:")
    with caplog.at_level(logging.WARNING, logger="api.ratelimit"):
        assert all(limiter.hit("ann") is None for _ in range(50))
    assert len(caplog.records) == 1


def test_make_limiter_fails_open_on_an_unreachable_redis() -> None:
    limiter = make_limiter(f"redis://127.0.0.1:{free_port()}/0", rate=1, burst=1)
    assert all(limiter.hit("ann") is None for _ in range(5))


@pytest.mark.redis
def test_a_redis_error_allows_the_write(client: redis.Redis, prefix: str) -> None:
    client.hset(prefix + "ann", "not", "a number")  # GET on a hash: WRONGTYPE
    limiter = RedisLimiter(client, rate=1, burst=1, prefix=prefix)
    assert limiter.hit("ann") is None
