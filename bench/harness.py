"""What every benchmark shares: a fresh PostgreSQL database, free ports, child processes."""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from http_load import auth

from workflow.identity import tokens, users
from workflow.identity.access import trusted
from workflow.kernel.db import make_engine, unit_of_work
from workflow.models.migrations import upgrade

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


def _processes() -> dict[int, tuple[int, str, float]]:
    """Every process on the machine: pid -> (parent pid, name, CPU seconds so far), from /proc."""
    found, tick = {}, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone since the listing
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            cpu = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
            found[int(entry.name)] = (int(fields[1]), name, cpu)
    return found


def cpu_by_part(parts: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by each part: the process trees rooted at its pids, and under
    "postgres" every PostgreSQL process. Children that exited are not counted."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    totals = {}
    for part, roots in parts.items():
        todo, total = list(roots), 0.0
        while todo:
            pid = todo.pop()
            total += processes.get(pid, (0, "", 0.0))[2]
            todo += children.get(pid, [])
        totals[part] = total
    totals["postgres"] = sum(cpu for _, name, cpu in processes.values() if name == "postgres")
    return totals


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def trace_payload(index: int) -> dict:
    """A minimal trace, numbered: `tr-` and the index as 32 hex digits."""
    trace_id = f"tr-{index:032x}"
    return {"info": {"trace_id": trace_id, "request_time": "2026-01-01T00:00:00Z"}, "data": {}}


def summary(runs: dict[str, list[float]], digits: int = 2) -> dict[str, dict[str, float]]:
    """Each named run's median and p99 in milliseconds, printed and returned."""
    figures = {
        name: {
            "median_ms": round(statistics.median(times) * 1000, digits),
            "p99_ms": round(percentile(times, 0.99) * 1000, digits),
        }
        for name, times in runs.items()
    }
    for name, figure in figures.items():
        print(f"{name}: median {figure['median_ms']} ms, p99 {figure['p99_ms']} ms")
    return figures


def save_result(name: str, result: object) -> None:
    """Write a benchmark's figures to `bench/results/<name>.json`."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2))


def register_traces(base: str, first: int, last: int) -> None:
    """Register the numbered traces `first` to `last` (excluded), a thousand per request."""
    with httpx.Client(base_url=base, timeout=120, headers=auth()) as client:
        for start_index in range(first, last, 1000):
            batch = [trace_payload(i) for i in range(start_index, min(last, start_index + 1000))]
            client.post("/api/v1/traces", json=batch).raise_for_status()


def bench_token(database_url: str) -> str:
    """A token for the benchmark's client: an admin who may log on behalf of annotators."""
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        users.create_user(session, username="bench", role="admin", can_import=True, actor="bench")
        secret, _ = tokens.issue(session, username="bench", name="bench", by=trusted("bench"))
    engine.dispose()
    return secret


@dataclass
class Stack:
    """A running Quorum: its database, API port, environment and processes."""

    database_url: str
    port: int
    env: dict[str, str]
    folder: str
    processes: list[subprocess.Popen] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)

    def parts(self) -> dict[str, list[int]]:
        """The stack's processes by part, for `cpu_by_part`: Redis, the API, the workers."""
        return {
            "redis": [self.processes[0].pid],
            "api": [self.processes[1].pid],
            "workers": [worker.pid for worker in self.workers],
        }

    @property
    def base(self) -> str:
        """The API's URL."""
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def quorum_stack(database: str, *, workers: int = 0, concurrency: int = 2) -> Iterator[Stack]:
    """A fresh database, a private `redis-server`, `quorum serve --workers 2` and `workers`
    Celery workers of `concurrency` children each; everything stopped on the way out."""
    folder = tempfile.mkdtemp(prefix=f"{database}-")
    database_url = fresh_database(database)
    redis_port, api_port = free_port(), free_port()
    env = {
        **os.environ,
        "QUORUM_DATABASE_URL": database_url,
        "QUORUM_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "QUORUM_PORT": str(api_port),
        # The write limit stays on, so its cost (a Redis round trip per write) is measured,
        # but high enough never to refuse the benchmark's single user.
        "QUORUM_WRITE_RATE": "1000000",
        "QUORUM_WRITE_BURST": "1000000",
    }
    redis = [shutil.which("redis-server") or "redis-server", "--port", str(redis_port)]
    stack = Stack(database_url, api_port, env, folder)
    stack.processes.append(start([*redis, "--save", "", "--appendonly", "no"], env, folder))
    try:
        time.sleep(0.5)
        serve = [QUORUM, "serve", "--workers", "2", "--no-migrate"]
        stack.processes.append(start(serve, env, folder))
        worker = [QUORUM, "worker", "--concurrency", str(concurrency), "--loglevel", "warning"]
        stack.workers = [start(worker, env, folder) for _ in range(workers)]
        stack.processes += stack.workers
        wait_http(f"{stack.base}/health")
        # The `mlflow` client and bench.http_load both send MLFLOW_TRACKING_TOKEN.
        os.environ["MLFLOW_TRACKING_TOKEN"] = bench_token(database_url)
        yield stack
    finally:
        stop(stack.processes)
