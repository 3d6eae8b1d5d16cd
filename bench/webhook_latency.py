"""From the causing commit to the receiver: proposals logged through the MLflow route at a
steady rate against a whole Quorum (PostgreSQL, Redis, `quorum serve`, two `quorum worker`
processes), each one's `proposal.submitted` event delivered to a receiver on loopback in its
own process; the latency is the message's arrival less the moment the proposal's request
returned (its transaction committed by then).

    uv run python bench/webhook_latency.py [--rate 50] [--seconds 30]
"""

import argparse
import json
import multiprocessing
import os
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from harness import percentile, quorum_stack, register_traces, save_result
from http_load import auth


def receive(port, log_path: str) -> None:
    """Write each message's assessment id and arrival time, one line each, and answer 204."""
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 (open for the process's life)

    class Recorder(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            arrived = time.time()
            data = json.loads(body)["data"]
            log.write(f"{data.get('assessment_id')} {arrived}\n")
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    port.value = server.server_address[1]
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    log_path = tempfile.mktemp(suffix=".log")
    port = multiprocessing.Value("i", 0)
    receiver = multiprocessing.Process(target=receive, args=(port, log_path), daemon=True)
    receiver.start()
    while not port.value:
        time.sleep(0.01)
    os.environ["QUORUM_WEBHOOK_ALLOW"] = '["127.0.0.0/8"]'
    count = int(args.rate * args.seconds)
    with quorum_stack("quorum_bench_hook_latency", workers=2) as stack:
        register_traces(stack.base, 0, count)
        with httpx.Client(base_url=stack.base, headers=auth(), timeout=30) as client:
            hook = {"url": f"http://127.0.0.1:{port.value}/hook", "types": ["proposal.submitted"]}
            made = client.post("/api/v1/webhooks", json=hook)
            made.raise_for_status()
            time.sleep(3)  # the workers connect
            committed: dict[str, float] = {}
            start = time.monotonic()
            for n in range(count):
                time.sleep(max(0.0, start + n / args.rate - time.monotonic()))
                trace_id = f"tr-{n:032x}"
                answer = client.post(
                    f"/api/3.0/mlflow/traces/{trace_id}/assessments",
                    json={
                        "assessment": {
                            "assessment_name": "city",
                            "source": {"source_type": "HUMAN", "source_id": "bench-annotator"},
                            "expectation": {"value": "Paris"},
                        }
                    },
                )
                answer.raise_for_status()
                committed[answer.json()["assessment"]["assessment_id"]] = time.time()
            time.sleep(5)  # the last messages arrive
    receiver.terminate()
    arrivals = {}
    with open(log_path) as log:
        for line in log:
            assessment_id, at = line.split()
            arrivals.setdefault(assessment_id, float(at))
    latencies = [arrivals[a] - t for a, t in committed.items() if a in arrivals]
    figures = {
        "rate": args.rate,
        "events": count,
        "received": len(latencies),
        "median_ms": round(1000 * percentile(latencies, 0.5), 1),
        "p99_ms": round(1000 * percentile(latencies, 0.99), 1),
        "max_ms": round(1000 * max(latencies), 1),
    }
    print(json.dumps(figures))
    print("target: p99 under 1000 ms at 50 events/s")
    save_result("webhook_latency", figures)


if __name__ == "__main__":
    main()
