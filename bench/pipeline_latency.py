"""Pipeline latency under load: proposals at a steady rate, time from the last proposal of an
item to its promotion (or routing to the committee), with real PostgreSQL, Redis, two
`quorum worker` processes and a multi-process API.

    uv run python bench/pipeline_latency.py [--rate 200] [--seconds 60]
"""

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workflow.db import make_engine
from workflow.migrations import upgrade

ADMIN_URL = os.environ.get("QUORUM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
QUORUM = str(Path(sys.executable).parent / "quorum")
DISPUTED_SHARE = 5  # one item in five gets three different answers and goes to the committee


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_database() -> str:
    admin = make_engine(ADMIN_URL, pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("DROP DATABASE IF EXISTS quorum_bench WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE quorum_bench"))
    admin.dispose()
    url = ADMIN_URL.rsplit("/", 1)[0] + "/quorum_bench"
    upgrade(make_engine(url))
    return url


def start(command: list[str], env: dict[str, str], folder: str) -> subprocess.Popen:
    return subprocess.Popen(
        command, env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def trace(index: int) -> dict:
    trace_id = f"tr-{index:032x}"
    return {"info": {"trace_id": trace_id, "request_time": "2026-01-01T00:00:00Z"}, "data": {}}


def proposals(items: int, spread: int = 30) -> list[tuple[str, str, str]]:
    """(trace, annotator, value) in arrival order, steady: an item's three annotators arrive
    `spread` items apart, so items complete at a constant rate from the first seconds on."""
    slots = []
    for index in range(items):
        for round_ in range(3):
            value = "Paris" if index % DISPUTED_SHARE else ["Paris", "Lyon", "Nice"][round_]
            slots.append(
                (
                    index + round_ * spread,
                    round_,
                    (f"tr-{index:032x}", f"annotator-{round_}", value),
                )
            )
    return [proposal for *_, proposal in sorted(slots)]


async def drive(base: str, plan: list, rate: float, backlog: list, failures: list) -> list[float]:
    """Send the plan at `rate` per second; sample the outbox backlog once a second."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def send(trace_id: str, annotator: str, value: str) -> None:
            started = time.perf_counter()
            body = {
                "assessment": {
                    "assessment_name": "expected_answer",
                    "source": {"source_type": "HUMAN", "source_id": annotator},
                    "expectation": {"value": value},
                }
            }
            try:
                response = await client.post(
                    f"/api/3.0/mlflow/traces/{trace_id}/assessments", json=body
                )
                response.raise_for_status()
            except httpx.HTTPError as exc:  # an overloaded server: counted, not fatal
                failures.append(type(exc).__name__)
                return
            latencies.append(time.perf_counter() - started)

        async def sample() -> None:
            while True:
                try:
                    backlog.append((await client.get("/health")).json()["outbox_pending"])
                except httpx.HTTPError:
                    backlog.append(None)
                await asyncio.sleep(1)

        sampler = asyncio.create_task(sample())
        start = time.perf_counter()
        tasks = []
        for index, proposal in enumerate(plan):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(*proposal)))
        await asyncio.gather(*tasks)
        sampler.cancel()
    return latencies


def item_latencies(database_url: str) -> dict[str, list[float]]:
    """Seconds from the item's last proposal to its promotion or routing, per outcome."""
    query = text("""
        WITH last_proposal AS (
            SELECT details->>'item_id' AS item, max(at) AS at FROM audit_log
            WHERE action IN ('proposal.submit', 'proposal.edit') GROUP BY 1),
        settled AS (
            SELECT subject_id AS item, details->>'target' AS outcome, min(at) AS at
            FROM audit_log WHERE action = 'item.transition'
              AND details->>'target' IN ('promoted', 'in_review') GROUP BY 1, 2)
        SELECT s.outcome, extract(epoch FROM s.at - p.at)
        FROM settled s JOIN last_proposal p ON p.item = s.item""")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    engine.dispose()
    result: dict[str, list[float]] = {"promoted": [], "in_review": []}
    for outcome, seconds in rows:
        result[outcome].append(float(seconds))
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="proposals per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=2, help="children per worker")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="quorum-bench-")
    database_url = fresh_database()
    redis_port, api_port = free_port(), free_port()
    env = {
        **os.environ,
        "QUORUM_DATABASE_URL": database_url,
        "QUORUM_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "QUORUM_PORT": str(api_port),
    }
    processes = [
        start(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            env,
            folder,
        )
    ]
    try:
        time.sleep(0.5)
        processes.append(start([QUORUM, "serve", "--workers", "2", "--no-migrate"], env, folder))
        for _ in range(2):
            processes.append(
                start(
                    [
                        QUORUM,
                        "worker",
                        "--concurrency",
                        str(args.concurrency),
                        "--loglevel",
                        "warning",
                    ],
                    env,
                    folder,
                )
            )
        base = f"http://127.0.0.1:{api_port}"
        wait_http(f"{base}/health")
        items = int(args.rate * args.seconds / 3)
        httpx.put(f"{base}/api/v1/committees/default", json={"members": ["r1", "r2", "r3"]})
        for start_index in range(0, items, 500):
            batch = [trace(i) for i in range(start_index, min(items, start_index + 500))]
            httpx.post(f"{base}/api/v1/traces", json=batch, timeout=60).raise_for_status()
        backlog: list[int] = []
        failures: list[str] = []
        time.sleep(3)  # let the workers connect
        request_latencies = asyncio.run(drive(base, proposals(items), args.rate, backlog, failures))
        deadline = time.monotonic() + 120
        while httpx.get(f"{base}/health").json()["outbox_pending"] and time.monotonic() < deadline:
            time.sleep(0.5)
        report(args, item_latencies(database_url), request_latencies, backlog, items, failures)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def report(args, settled, requests, backlog, items, failures) -> None:
    both = settled["promoted"] + settled["in_review"]
    result = {
        "rate_per_s": args.rate,
        "seconds": args.seconds,
        "items": items,
        "settled": len(both),
        "promoted": len(settled["promoted"]),
        "routed": len(settled["in_review"]),
        "settle_p50_ms": 1000 * statistics.median(both),
        "settle_p99_ms": 1000 * percentile(both, 0.99),
        "promote_p50_ms": 1000 * statistics.median(settled["promoted"]),
        "route_p50_ms": 1000 * statistics.median(settled["in_review"]),
        "request_p50_ms": 1000 * statistics.median(requests),
        "request_p99_ms": 1000 * percentile(requests, 0.99),
        "request_failures": len(failures),
        "backlog_samples": backlog,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "backlog_samples"}, indent=2))
    print(f"backlog (outbox rows unfinished, once a second): {backlog}")
    print(f"ratio settle p50 / 100 ms target: {result['settle_p50_ms'] / 100:.2f}")
    print(f"ratio settle p99 / 1000 ms target: {result['settle_p99_ms'] / 1000:.2f}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "pipeline_latency.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
