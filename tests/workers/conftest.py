"""Real processes for the delivery tests: a private Redis, `quorum worker`s, PostgreSQL."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine

from tests.backends import postgres_engine, unavailable, wipe

QUORUM = str(Path(sys.executable).parent / "quorum")
# Short limits so redelivery after a lost worker is quick enough to wait for in a test.
FAST_DELIVERY = {
    "QUORUM_TASK_TIME_LIMIT": "5",
    "QUORUM_VISIBILITY_TIMEOUT": "8",
    "QUORUM_REDELIVER_AFTER": "10",
    "QUORUM_STUCK_AFTER": "5",
    "QUORUM_RECONCILE_INTERVAL": "2",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str) -> float:
    """Poll until true; returns the seconds it took."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - start


class RedisServer:
    """A redis-server of the test's own, on a free port, that the test may stop and start."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("Redis", "no redis-server binary")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        wait_for(lambda: _pings(client), timeout=10, what="redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


class Workers:
    """`quorum worker` processes against the test database and broker."""

    def __init__(self, database_url: str, broker_url: str, folder: Path) -> None:
        self.env = {
            **os.environ,
            **FAST_DELIVERY,
            "QUORUM_DATABASE_URL": database_url,
            "QUORUM_BROKER_URL": broker_url,
        }
        self.folder = folder
        self.processes: list[subprocess.Popen] = []

    def start(self, concurrency: int = 2) -> subprocess.Popen:
        process = subprocess.Popen(
            [QUORUM, "worker", "--concurrency", str(concurrency), "--loglevel", "warning"],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)
        wait_for(
            lambda: len(self.children(process)) >= concurrency, timeout=30, what="worker children"
        )
        return process

    @staticmethod
    def children(process: subprocess.Popen) -> list[int]:
        path = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_all(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its children at once: nothing gets to acknowledge."""
        for pid in self.children(process):
            os.kill(pid, signal.SIGKILL)
        process.kill()
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                for pid in self.children(process):
                    os.kill(pid, signal.SIGKILL)
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="session")
def pg() -> Iterator[Engine]:
    """A PostgreSQL database of its own for the real-process tests."""
    engine = postgres_engine("_workers")
    yield engine
    engine.dispose()


@pytest.fixture
def database(pg: Engine) -> Engine:
    wipe(pg)
    return pg


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workers(database: Engine, broker: RedisServer, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(database.url.render_as_string(hide_password=False), broker.url, tmp_path)
    yield pool
    pool.stop()
