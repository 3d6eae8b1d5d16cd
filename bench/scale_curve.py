"""Scale curve: single-call ingestion and time to promotion with 10k, 100k and 1M proposals
already in the database (PostgreSQL), measured one level after the other in one run.

    uv run python bench/scale_curve.py [--levels 10000,100000,1000000] [--seconds 10]

The database is filled through the bulk import, two annotators per item (below the quota, so
the fill queues no evaluations: what is measured is the database's size, not a backlog). At each
level: new proposals, one call each on 8 keep-alive connections (a closed loop for
`--seconds`), then complete items (three agreeing annotators) at a steady 30 items a second
with `quorum serve --workers 2` and two `quorum worker` processes, timed from the last
proposal to the promotion as in `pipeline_latency.py`.
"""

import argparse
import asyncio
import json
import statistics
import time

import httpx
from harness import percentile, quorum_stack, register_traces, save_result, trace_payload
from http_load import Pool, auth
from pipeline_latency import item_latencies

NAMES = [f"field_{index}" for index in range(10)]  # items per trace
BATCH = 5000
TRACE_BLOCK = 1_000_000  # measurement traces are numbered from here, fill traces below


def entry(trace: int, name: str, annotator: int, value: str = "Paris") -> dict:
    return {
        "trace_id": trace_payload(trace)["info"]["trace_id"],
        "assessment_name": name,
        "source": {"source_type": "HUMAN", "source_id": f"annotator-{annotator}"},
        "expectation": {"value": value},
    }


def fill(base: str, proposals_from: int, proposals_to: int) -> None:
    """Bulk-import proposals number `proposals_from` to `proposals_to` (two per item)."""
    items_from, items_to = proposals_from // 2, proposals_to // 2
    register_traces(base, items_from // len(NAMES), (items_to + len(NAMES) - 1) // len(NAMES))
    entries = [
        entry(item // len(NAMES), NAMES[item % len(NAMES)], annotator)
        for item in range(items_from, items_to)
        for annotator in range(2)
    ]
    with httpx.Client(base_url=base, timeout=600, headers=auth()) as client:
        for offset in range(0, len(entries), BATCH):
            response = client.post(
                "/api/v1/imports/expectations", json=entries[offset : offset + BATCH]
            )
            response.raise_for_status()


async def single_calls(port: int, first_trace: int, seconds: float) -> tuple[int, list[float]]:
    """New proposals, one call each, for `seconds`; returns the traces used and latencies."""
    pool, latencies, counter = Pool("127.0.0.1", port, 8), [], iter(range(10**9))
    deadline = time.perf_counter() + seconds

    async def work() -> None:
        while time.perf_counter() < deadline:
            number = next(counter)
            body = entry(first_trace + number // len(NAMES), NAMES[number % len(NAMES)], 0)
            path = f"/api/3.0/mlflow/traces/{body['trace_id']}/assessments"
            latencies.append(await pool.timed("POST", path, {"assessment": body}))

    await asyncio.gather(*(work() for _ in range(8)))
    pool.close()
    return next(counter), latencies


async def complete_items(port: int, first_trace: int, items: int, rate: float) -> None:
    """Three annotators per new item (one trace each), the item's last arriving at `rate`/s."""
    pool = Pool("127.0.0.1", port, 16)
    started = time.perf_counter()
    tasks = []
    for index in range(items):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        trace = first_trace + index
        for annotator in range(3):
            body = entry(trace, "expected_answer", annotator)
            path = f"/api/3.0/mlflow/traces/{body['trace_id']}/assessments"
            tasks.append(asyncio.create_task(pool.request("POST", path, {"assessment": body})))
    await asyncio.gather(*tasks)
    pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="10000,100000,1000000")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    figures, filled, next_trace = [], 0, TRACE_BLOCK
    with quorum_stack("quorum_scale", workers=2) as stack:
        database_url, api_port, base = stack.database_url, stack.port, stack.base
        register_traces(base, TRACE_BLOCK, TRACE_BLOCK + 20_000)
        # Warm-up, not measured: the workers' first tasks fill their caches and pools.
        asyncio.run(complete_items(api_port, next_trace, 60, 30.0))
        next_trace += 60
        for level in levels:
            fill_started = time.perf_counter()
            fill(base, filled, level)
            fill_rate = (level - filled) / (time.perf_counter() - fill_started)
            filled = level
            used, latencies = asyncio.run(single_calls(api_port, next_trace, args.seconds))
            next_trace += used // len(NAMES) + 1
            items = int(30 * args.seconds)
            asyncio.run(complete_items(api_port, next_trace, items, 30.0))
            deadline = time.monotonic() + 60
            while httpx.get(f"{base}/health").json()["outbox_pending"]:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            settled = item_latencies(database_url, next_trace)["promoted"]
            next_trace += items
            figures.append(
                {
                    "proposals_before": level,
                    "fill_proposals_per_s": round(fill_rate),
                    "single_calls_per_s": round(len(latencies) / args.seconds),
                    "single_p50_ms": round(1000 * statistics.median(latencies), 1),
                    "single_p99_ms": round(1000 * percentile(latencies, 0.99), 1),
                    "promote_p50_ms": round(1000 * statistics.median(settled), 1),
                    "promote_p99_ms": round(1000 * percentile(settled, 0.99), 1),
                    "items_promoted": len(settled),
                }
            )
            print(json.dumps(figures[-1]))
    first, last = figures[0], figures[-1]
    levels_text = f"at {last['proposals_before']:,} / at {first['proposals_before']:,}"
    for key in ("single_calls_per_s", "single_p99_ms", "promote_p50_ms", "promote_p99_ms"):
        print(f"ratio {key} {levels_text}: {last[key] / first[key]:.2f}")
    save_result("scale_curve", figures)


if __name__ == "__main__":
    main()
