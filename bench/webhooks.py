"""Webhook delivery on PostgreSQL to a real receiver on loopback: events fanned out to three
endpoints and sent by dispatchers running side by side, each pass its own transaction (as the
worker's task runs it), every message signed and its attempt recorded.

    uv run python bench/webhooks.py [--events 1000] [--dispatchers 4]
"""

import argparse
import multiprocessing
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import fresh_database, save_result
from sqlalchemy import text

from workflow import events, webhooks
from workflow.identity.access import trusted
from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.settings import Settings
from workflow.webhooks.addresses import networks

ENDPOINTS = 3


def receive(port, received) -> None:
    """A receiver in its own process (not sharing the dispatchers' interpreter): it reads
    each message, counts it and answers 204 on a kept-alive connection."""

    class Counter(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            with received.get_lock():
                received.value += 1
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    port.value = server.server_address[1]
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--dispatchers", type=int, default=4)
    args = parser.parse_args()
    url = fresh_database("quorum_bench_webhooks")
    engine = make_engine(url, pool_size=args.dispatchers + 2)
    port, received = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=receive, args=(port, received), daemon=True)
    server.start()
    while not port.value:
        time.sleep(0.01)
    hook = f"http://127.0.0.1:{port.value}/hook"
    settings = Settings(environment="test", database_url=url, webhook_allow=["127.0.0.0/8"])
    with unit_of_work(engine) as session:
        for _ in range(ENDPOINTS):
            webhooks.create_endpoint(
                session,
                url=hook,
                campaign_id=None,
                types=[],
                by=trusted("bench"),
                allowed=networks(settings.webhook_allow),
            )
    with unit_of_work(engine) as session:
        events.emit_many(
            session,
            [
                ("item.agreed", f"bench:{n}", {"item_id": n, "link": f"/items/{n}"}, n, None)
                for n in range(args.events)
            ],
        )
    expected = args.events * ENDPOINTS

    def dispatch() -> None:
        while received.value < expected:
            with unit_of_work(engine) as session:
                passed = webhooks.deliver(session, settings=settings)
            if passed.attempted == 0 and passed.fanned_out == 0:
                time.sleep(0.001)

    started = time.perf_counter()
    runs = [threading.Thread(target=dispatch) for _ in range(args.dispatchers)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    took = time.perf_counter() - started
    with engine.connect() as connection:
        delivered = connection.execute(
            text("SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'")
        ).scalar_one()
        attempts = connection.execute(text("SELECT count(*) FROM webhook_attempts")).scalar_one()
    server.terminate()
    rate = delivered / took
    print(f"{args.events} events x {ENDPOINTS} endpoints: {delivered} delivered in {took:.2f} s")
    print(f"deliveries per second: {rate:.0f} (target 500); attempts recorded: {attempts}")
    print(f"received {received.value} (each message once: {received.value == expected})")
    save_result(
        "webhooks",
        {
            "events": args.events,
            "endpoints": ENDPOINTS,
            "dispatchers": args.dispatchers,
            "delivered": delivered,
            "seconds": round(took, 3),
            "deliveries_per_second": round(rate, 1),
            "received": received.value,
        },
    )


if __name__ == "__main__":
    main()
