"""Ingestion side by side: the same expectations logged to a stock `mlflow server` (SQLite
backend) and to Quorum (PostgreSQL, `quorum serve --workers 2`), in one run.

    uv run --group compare python bench/ingestion.py [--seconds 8] [--traces 1000]

Four client modes per side, each a closed loop for `--seconds`: the real `mlflow` client
calling `log_expectation` from 1 and from 8 threads, and raw HTTP (`bench/http_load.py`) on 8
and 32 keep-alive connections. The payloads are the guide's four expectation types (factual,
structured, behavioral, span-level documents) on the same traces: created in MLflow with
`@mlflow.trace`, then registered in Quorum from `Trace.to_dict()`. Every call is a new
annotator's expectation, so every call writes.
"""

import argparse
import asyncio
import itertools
import json
import os
import shutil
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import mlflow
from harness import free_port, percentile, quorum_stack, save_result, start, wait_http
from http_load import Pool, auth
from mlflow.entities import AssessmentSource, AssessmentSourceType, Expectation
from mlflow.utils.proto_json_utils import message_to_json

PAYLOADS = [
    ("expected_answer", False, "The speed of light in vacuum is 299,792,458 meters per second"),
    (
        "expected_extraction",
        False,
        {
            "company": "TechCorp Inc.",
            "sentiment": "positive",
            "key_topics": ["product_launch", "quarterly_earnings", "market_expansion"],
            "action_required": True,
        },
    ),
    (
        "expected_behavior",
        False,
        {
            "should_escalate": True,
            "required_elements": ["empathy", "solution_offer", "follow_up"],
            "max_response_length": 150,
            "tone": "professional_friendly",
        },
    ),
    ("expected_documents", True, ["policy_doc_2024", "faq_section_3", "user_guide_ch5"]),
]
MODES = [("mlflow client", 1), ("mlflow client", 8), ("raw HTTP", 8), ("raw HTTP", 32)]


def make_traces(count: int) -> list[tuple[str, str]]:
    """(trace id, retrieval span id) of `count` traces logged to the current MLflow server."""

    @mlflow.trace(span_type="RETRIEVER")
    def retrieve(question: str) -> list[str]:
        return ["policy_doc_2024", "faq_section_3"]

    @mlflow.trace
    def answer(question: str) -> str:
        retrieve(question)
        return "an answer"

    made = []
    for index in range(count):
        answer(f"question {index}")
        made.append(mlflow.get_last_active_trace_id())
    mlflow.flush_trace_async_logging()
    result = []
    for trace_id in made:
        trace = mlflow.get_trace(trace_id)
        retriever = next(s for s in trace.data.spans if s.name == "retrieve")
        result.append((trace_id, retriever.span_id))
    return result


class Calls:
    """An endless supply of (trace, span, name, value, annotator): every call a new annotator."""

    def __init__(self, traces: list[tuple[str, str]]) -> None:
        self._counter = itertools.count()
        self._lock = threading.Lock()
        self._traces = traces

    def next(self) -> tuple[str, str | None, str, object, str]:
        with self._lock:
            number = next(self._counter)
        trace_id, span_id = self._traces[number % len(self._traces)]
        name, on_span, value = PAYLOADS[number % len(PAYLOADS)]
        return trace_id, span_id if on_span else None, name, value, f"expert-{number}@bench"


def client_loop(uri: str, calls: Calls, threads: int, seconds: float) -> list[float]:
    """`mlflow.log_expectation` in a closed loop from `threads` threads."""
    mlflow.set_tracking_uri(uri)
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []

    def work() -> None:
        while time.perf_counter() < deadline:
            trace_id, span_id, name, value, annotator = calls.next()
            source = AssessmentSource(AssessmentSourceType.HUMAN, annotator)
            started = time.perf_counter()
            mlflow.log_expectation(
                trace_id=trace_id, name=name, value=value, source=source, span_id=span_id
            )
            latencies.append(time.perf_counter() - started)

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(work) for _ in range(threads)]:
            future.result()
    return latencies


def wire_body(trace_id: str, span_id: str | None, name: str, value, annotator: str) -> dict:
    """The JSON the `mlflow` client sends for this expectation (built by its own classes)."""
    source = AssessmentSource(AssessmentSourceType.HUMAN, annotator)
    expectation = Expectation(
        name=name, value=value, source=source, trace_id=trace_id, span_id=span_id
    )
    return {"assessment": json.loads(message_to_json(expectation.to_proto()))}


async def http_loop(port: int, calls: Calls, connections: int, seconds: float) -> list[float]:
    """Raw POSTs of the client's own JSON, a closed loop per keep-alive connection."""
    pool, latencies = Pool("127.0.0.1", port, connections), []
    deadline = time.perf_counter() + seconds

    async def work() -> None:
        while time.perf_counter() < deadline:
            trace_id, *rest = calls.next()
            path = f"/api/3.0/mlflow/traces/{trace_id}/assessments"
            latencies.append(await pool.timed("POST", path, wire_body(trace_id, *rest)))

    await asyncio.gather(*(work() for _ in range(connections)))
    pool.close()
    return latencies


def measure(uri: str, port: int, traces, seconds: float) -> dict[str, dict[str, float]]:
    calls, figures = Calls(traces), {}
    for mode, width in MODES:
        started, cpu = time.perf_counter(), time.process_time()
        if mode == "mlflow client":
            latencies = client_loop(uri, calls, width, seconds)
        else:
            latencies = asyncio.run(http_loop(port, calls, width, seconds))
        elapsed = time.perf_counter() - started
        figures[f"{mode} x{width}"] = {
            "calls_per_s": len(latencies) / elapsed,
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * percentile(latencies, 0.99),
            # The client shares the machine with both servers: its own CPU per call is part of
            # what bounds the calls per second either side can show.
            "client_cpu_ms": 1000 * (time.process_time() - cpu) / len(latencies),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per mode and side")
    parser.add_argument("--traces", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    with quorum_stack("quorum_ingest") as stack:
        mlflow_port = free_port()
        mlflow_server = [
            str(shutil.which("mlflow")),
            "server",
            "--backend-store-uri",
            f"sqlite:///{stack.folder}/mlflow.db",
            "--default-artifact-root",
            f"{stack.folder}/artifacts",
            "--host",
            "127.0.0.1",
            "--port",
            str(mlflow_port),
        ]
        stack.processes.append(start(mlflow_server, stack.env, stack.folder))
        mlflow_uri = f"http://127.0.0.1:{mlflow_port}"
        wait_http(f"{mlflow_uri}/health", timeout=120)
        mlflow.set_tracking_uri(mlflow_uri)
        mlflow.set_experiment("quorum-ingestion-bench")
        traces = make_traces(args.traces)
        payloads = [mlflow.get_trace(trace_id).to_dict() for trace_id, _ in traces]
        for start_index in range(0, len(payloads), 100):  # under the 2 MiB request limit
            batch = payloads[start_index : start_index + 100]
            httpx.post(
                f"{stack.base}/api/v1/traces", json=batch, timeout=60, headers=auth()
            ).raise_for_status()
        results = {
            "mlflow": measure(mlflow_uri, mlflow_port, traces, args.seconds),
            "quorum": measure(stack.base, stack.port, traces, args.seconds),
        }
    report(results)


def report(results: dict) -> None:
    print(f"{'mode':<18}{'side':<8}{'calls/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'client CPU ms':>15}")
    for mode in results["mlflow"]:
        for side in ("mlflow", "quorum"):
            figures = results[side][mode]
            print(
                f"{mode:<18}{side:<8}{figures['calls_per_s']:>9.0f}"
                f"{figures['p50_ms']:>9.1f}{figures['p99_ms']:>9.1f}{figures['client_cpu_ms']:>15.2f}"
            )
    for mode in results["mlflow"]:
        ratio = results["quorum"][mode]["calls_per_s"] / results["mlflow"][mode]["calls_per_s"]
        print(f"ratio {mode}: Quorum {ratio:.1f}x MLflow's calls/s")
    eight = results["quorum"]["mlflow client x8"]
    print(f"target: >= 5x with 8 client threads; Quorum p99 there {eight['p99_ms']:.1f} ms (< 50)")
    save_result("ingestion", results)


if __name__ == "__main__":
    main()
