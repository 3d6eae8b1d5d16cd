"""What every benchmark shares: a fresh PostgreSQL database, free ports, child processes."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workflow.db import make_engine
from workflow.migrations import upgrade

ADMIN_URL = os.environ.get("QUORUM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
QUORUM = str(Path(sys.executable).parent / "quorum")
RESULTS = Path(__file__).parent / "results"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_database(name: str) -> str:
    """Drop and re-create database `name`, migrate it, and return its URL."""
    admin = make_engine(ADMIN_URL, pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def start(command: list[str], env: dict[str, str], folder: str) -> subprocess.Popen:
    """A child process with its output discarded."""
    return subprocess.Popen(
        command, env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(processes: list[subprocess.Popen]) -> None:
    """Terminate children, newest first, and wait for each."""
    for process in reversed(processes):
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def wait_http(url: str, timeout: float = 60) -> None:
    """Wait until `url` answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def trace_payload(index: int) -> dict:
    """A minimal trace, numbered: `tr-` and the index as 32 hex digits."""
    trace_id = f"tr-{index:032x}"
    return {"info": {"trace_id": trace_id, "request_time": "2026-01-01T00:00:00Z"}, "data": {}}
