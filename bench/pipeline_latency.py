"""Pipeline latency under load: proposals at a steady rate, time from the last proposal of an
item to its promotion (or routing to the committee), with real PostgreSQL, Redis, two
`quorum worker` processes and a multi-process API.

    uv run python bench/pipeline_latency.py [--rate 200] [--seconds 60] [--warmup 10]

The first `--warmup` seconds run at the same rate but are left out of the figures: they fill
the processes' statement caches and connection pools, which a running service has already done.
"""

import argparse
import asyncio
import json
import statistics
import time

import httpx
from harness import cpu_by_part, percentile, quorum_stack, register_traces, save_result
from http_load import Connection, HttpError, Pool, auth
from sqlalchemy import text

from workflow.kernel.db import make_engine

DISPUTED_SHARE = 5  # one item in five gets three different answers and goes to the committee


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


async def drive(
    port: int, plan: list, rate: float, backlog: list, failures: list
) -> tuple[list[tuple[int, float]], float]:
    """Send the plan at `rate` per second; sample the outbox backlog once a second.
    Returns (position in the plan, seconds) per request, and the seconds until the last
    answer: the rate the API accepted is the plan's length over those."""
    latencies: list[tuple[int, float]] = []
    pool = Pool("127.0.0.1", port, size=64)

    async def send(position: int, trace_id: str, annotator: str, value: str) -> None:
        started = time.perf_counter()
        body = {
            "assessment": {
                "assessment_name": "expected_answer",
                "source": {"source_type": "HUMAN", "source_id": annotator},
                "expectation": {"value": value},
            }
        }
        try:
            status, _ = await pool.request(
                "POST", f"/api/3.0/mlflow/traces/{trace_id}/assessments", body
            )
        except (OSError, HttpError, asyncio.IncompleteReadError) as exc:  # counted, not fatal
            failures.append(type(exc).__name__)
            return
        if status != 200:
            failures.append(str(status))
            return
        latencies.append((position, time.perf_counter() - started))

    async def sample() -> None:
        health = Connection("127.0.0.1", port)
        while True:
            try:
                backlog.append(
                    json.loads((await health.request("GET", "/health"))[1])["outbox_pending"]
                )
            except (OSError, HttpError, asyncio.IncompleteReadError):
                backlog.append(None)
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sample())
    start = time.perf_counter()
    tasks = []
    for index, proposal in enumerate(plan):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(index, *proposal)))
    await asyncio.gather(*tasks)
    took = time.perf_counter() - start
    sampler.cancel()
    pool.close()
    return latencies, took


def item_latencies(database_url: str, first_item: int) -> dict[str, list[float]]:
    """Seconds from the item's last proposal to its promotion or routing, per outcome, for the
    items numbered `first_item` and up (the ones after the warm-up); and under "published",
    the part of that until the item's evaluation left the outbox: published by the relay (the
    commit, the relay's wake-up and linger) or taken along by a worker. The rest is the
    broker's and the workers'."""
    query = text("""
        WITH last_proposal AS (
            SELECT details->>'item_id' AS item, max(at) AS at FROM audit_log
            WHERE action IN ('proposal.submit', 'proposal.edit') GROUP BY 1),
        settled AS (
            SELECT subject_id AS item, details->>'target' AS outcome, min(at) AS at
            FROM audit_log WHERE action = 'item.transition'
              AND details->>'target' IN ('promoted', 'in_review') GROUP BY 1, 2),
        published AS (
            SELECT payload->>'item_id' AS item, min(published_at) AS at FROM outbox
            WHERE task = 'quorum.item.evaluate' GROUP BY 1)
        SELECT s.outcome, extract(epoch FROM s.at - p.at), extract(epoch FROM e.at - p.at),
               i.trace_id
        FROM settled s JOIN last_proposal p ON p.item = s.item
        JOIN published e ON e.item = s.item
        JOIN items i ON i.id = s.item::int""")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    engine.dispose()
    result: dict[str, list[float]] = {"promoted": [], "in_review": [], "published": []}
    for outcome, seconds, published, trace_id in rows:
        if int(trace_id.removeprefix("tr-"), 16) >= first_item:
            result[outcome].append(float(seconds))
            result["published"].append(float(published))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="proposals per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured time")
    parser.add_argument(
        "--warmup", type=float, default=10.0, help="seconds at the same rate before, not measured"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="children per worker")
    args = parser.parse_args()
    with quorum_stack("quorum_bench", workers=2, concurrency=args.concurrency) as stack:
        database_url, api_port = stack.database_url, stack.port
        base = stack.base
        warm_items = int(args.rate * args.warmup / 3)
        items = warm_items + int(args.rate * args.seconds / 3)
        for reviewer in ("r1", "r2", "r3"):
            user = {"username": reviewer, "role": "reviewer"}
            httpx.post(f"{base}/api/v1/users", json=user, headers=auth()).raise_for_status()
        committee = {"members": ["r1", "r2", "r3"]}
        httpx.put(f"{base}/api/v1/committees/default", json=committee, headers=auth())
        register_traces(base, 0, items)
        backlog: list[int] = []
        failures: list[str] = []
        time.sleep(3)  # let the workers connect
        cpu_before, own_before = cpu_by_part(stack.parts()), time.process_time()
        plan = proposals(items)
        request_latencies, took = asyncio.run(drive(api_port, plan, args.rate, backlog, failures))
        deadline = time.monotonic() + 120
        while httpx.get(f"{base}/health").json()["outbox_pending"] and time.monotonic() < deadline:
            time.sleep(0.5)
        # Machine time per proposal, by part, over the whole run (warm-up and drain included).
        cpu_after = cpu_by_part(stack.parts())
        cpu = {part: cpu_after[part] - cpu_before[part] for part in cpu_after}
        cpu["load generator"] = time.process_time() - own_before
        cpu_ms = {part: round(1000 * used / (3 * items), 2) for part, used in cpu.items()}
        measured = [
            seconds for position, seconds in request_latencies if position >= 3 * warm_items
        ]
        settled = item_latencies(database_url, warm_items)
        backlog = backlog[int(args.warmup) :]
        report(args, settled, measured, backlog, items - warm_items, failures, len(plan) / took)
        print(
            "CPU per proposal (ms):",
            ", ".join(f"{part} {ms}" for part, ms in cpu_ms.items()),
            f"; total {sum(cpu_ms.values()):.2f} ms, {sum(cpu_ms.values()) * args.rate / 1000:.2f}"
            " cores at this rate",
        )
        save_result("pipeline_latency_cpu", cpu_ms)


def report(args, settled, requests, backlog, items, failures, accepted) -> None:
    both = settled["promoted"] + settled["in_review"]
    result = {
        "rate_per_s": args.rate,
        "seconds": args.seconds,
        "warmup_seconds": args.warmup,
        "items": items,
        "settled": len(both),
        "promoted": len(settled["promoted"]),
        "routed": len(settled["in_review"]),
        "settle_p50_ms": 1000 * statistics.median(both),
        "settle_p99_ms": 1000 * percentile(both, 0.99),
        "published_p50_ms": 1000 * statistics.median(settled["published"]),
        "promote_p50_ms": 1000 * statistics.median(settled["promoted"]),
        "route_p50_ms": 1000 * statistics.median(settled["in_review"]),
        "request_p50_ms": 1000 * statistics.median(requests),
        "request_p99_ms": 1000 * percentile(requests, 0.99),
        "request_failures": len(failures),
        "accepted_per_s": accepted,
        "backlog_samples": backlog,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "backlog_samples"}, indent=2))
    print(f"backlog (outbox rows unfinished, once a second, after warm-up): {backlog}")
    print(f"ratio settle p50 / 100 ms target: {result['settle_p50_ms'] / 100:.2f}")
    print(f"ratio settle p99 / 1000 ms target: {result['settle_p99_ms'] / 1000:.2f}")
    print(f"ratio accepted / offered rate: {accepted / args.rate:.2f}")
    save_result("pipeline_latency", result)


if __name__ == "__main__":
    main()
