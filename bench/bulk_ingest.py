"""Bulk ingestion: proposals per second through `POST /api/v1/imports/expectations` into
PostgreSQL, against the same proposals sent one call each, in one run.

    uv run python bench/bulk_ingest.py [--proposals 100000] [--batch 5000] [--connections 2]

Starts a fresh database (`quorum_bulk`), a private `redis-server` and `quorum serve --workers 2`;
three annotators per item, one item in five disputed, as in the latency benchmark. The
single-call side sends a sample (`--single`, default 3000) over 8 keep-alive connections, each
a closed loop. Batches go `--connections` at a time; a batch's latency includes its wait.
"""

import argparse
import asyncio
import json
import statistics
import time

from harness import percentile, quorum_stack, register_traces, save_result, trace_payload
from http_load import Pool

TARGET = 20_000


def entry(item: int, annotator: int) -> dict:
    value = "Paris" if item % 5 else ["Paris", "Lyon", "Nice"][annotator]
    return {
        "trace_id": trace_payload(item)["info"]["trace_id"],
        "assessment_name": "expected_answer",
        "source": {"source_type": "HUMAN", "source_id": f"annotator-{annotator}"},
        "expectation": {"value": value},
    }


async def send_batches(port: int, batches: list[list[dict]], connections: int) -> list[float]:
    pool, latencies = Pool("127.0.0.1", port, connections), []

    async def send(batch: list[dict]) -> None:
        latencies.append(await pool.timed("POST", "/api/v1/imports/expectations", batch))

    await asyncio.gather(*(send(batch) for batch in batches))
    pool.close()
    return latencies


async def send_singles(port: int, entries: list[dict], connections: int) -> list[float]:
    """One call per entry, a closed loop on each keep-alive connection."""
    pool, latencies, queue = Pool("127.0.0.1", port, connections), [], iter(entries)

    async def work() -> None:
        for body in queue:
            path = f"/api/3.0/mlflow/traces/{body['trace_id']}/assessments"
            latencies.append(await pool.timed("POST", path, {"assessment": body}))

    await asyncio.gather(*(work() for _ in range(connections)))
    pool.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--single", type=int, default=3000)
    args = parser.parse_args()
    items = args.proposals // 3
    single_items = args.single // 3
    with quorum_stack("quorum_bulk") as stack:
        register_traces(stack.base, 0, items + single_items)
        # Annotator by annotator, as an export of three people's work would come.
        entries = [entry(i, a) for a in range(3) for i in range(items)]
        batches = [entries[i : i + args.batch] for i in range(0, len(entries), args.batch)]
        started = time.perf_counter()
        batch_latencies = asyncio.run(send_batches(stack.port, batches, args.connections))
        bulk_seconds = time.perf_counter() - started
        singles = [entry(items + i, a) for a in range(3) for i in range(single_items)]
        started = time.perf_counter()
        single_latencies = asyncio.run(send_singles(stack.port, singles, 8))
        single_seconds = time.perf_counter() - started
    bulk_rate = len(entries) / bulk_seconds
    single_rate = len(singles) / single_seconds
    result = {
        "proposals": len(entries),
        "batch": args.batch,
        "connections": args.connections,
        "bulk_proposals_per_s": round(bulk_rate),
        "batch_p50_s": round(statistics.median(batch_latencies), 3),
        "batch_p99_s": round(percentile(batch_latencies, 0.99), 3),
        "single_calls": len(singles),
        "single_proposals_per_s": round(single_rate),
        "single_p50_ms": round(1000 * statistics.median(single_latencies), 1),
    }
    print(json.dumps(result, indent=2))
    print(f"ratio bulk / single calls: {bulk_rate / single_rate:.1f}x")
    print(f"ratio bulk / {TARGET} per s target: {bulk_rate / TARGET:.2f}")
    save_result("bulk_ingest", result)


if __name__ == "__main__":
    main()
