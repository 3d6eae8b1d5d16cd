"""Time (and optionally profile) the hot paths in one process on PostgreSQL: a proposal through
the domain, the tasks it causes through the task runner (no Celery), and the proposal route
through the ASGI app (FastAPI's share, no HTTP server).

    uv run --group bench python bench/profile_hot_paths.py [--items 600] [--profile]

`--profile` wraps each phase in pyinstrument and writes its text report to `bench/results/`.
"""

import argparse
import asyncio
import contextlib
import json
import statistics
import time
from collections import defaultdict

from harness import RESULTS, bench_token, fresh_database, trace_payload

from api.app import create_app
from workers import letters
from workflow import assessments, outbox, review, traces
from workflow.identity import users
from workflow.identity.access import trusted
from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.entities import AssessmentDraft, Kind, SourceType
from workflow.kernel.settings import Settings
from workflow.kernel.values import ValueLimits
from workflow.tasks.registry import coalescing
from workflow.tasks.runner import TaskRunner

DISPUTED_SHARE = 5


@contextlib.contextmanager
def profiled(name: str, enabled: bool):
    """Run the block under pyinstrument when asked, saving the report as `profile_<name>.txt`."""
    if not enabled:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"profile_{name}.txt").write_text(profiler.output_text(show_all=False))


def draft(index: int, annotator: int) -> AssessmentDraft:
    value = "Paris" if index % DISPUTED_SHARE else ["Paris", "Lyon", "Nice"][annotator]
    return AssessmentDraft(
        name="expected_answer",
        kind=Kind.EXPECTATION,
        source_type=SourceType.HUMAN,
        source_id=f"annotator-{annotator}",
        value=value,
    )


class Timings:
    """Wall and CPU (this process only: PostgreSQL's share is not in it) seconds per operation."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = defaultdict(list)
        self.cpu: dict[str, list[float]] = defaultdict(list)

    @contextlib.contextmanager
    def timed(self, name: str):
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.wall[name].append(time.perf_counter() - wall)
        self.cpu[name].append(time.process_time() - cpu)

    def report(self) -> None:
        for name, walls in sorted(self.wall.items()):
            print(
                f"{name}: wall {1000 * statistics.median(walls):.2f} ms median, "
                f"CPU {1000 * statistics.mean(self.cpu[name]):.2f} ms mean, over {len(walls)}"
            )


def run_proposals(engine, items: int, timings: Timings) -> None:
    limits = ValueLimits()
    for annotator in range(3):
        for index in range(items):
            with timings.timed("proposal"), unit_of_work(engine) as session:
                assessments.log_assessment(
                    session,
                    trace_id=trace_payload(index)["info"]["trace_id"],
                    draft=draft(index, annotator),
                    by=trusted("bench"),
                    limits=limits,
                )


class Collected:
    """A publisher that keeps what it is given, for the runner to run here."""

    def __init__(self, into: list) -> None:
        self.into = into

    def publish(self, task: str, messages: list) -> None:
        self.into += [(message.id, task, message.payload) for message in messages]


def run_tasks(engine, runner: TaskRunner, timings: Timings) -> None:
    while True:
        batch: list[tuple] = []
        with unit_of_work(engine) as session:
            outbox.publish_pending(session, Collected(batch), coalesce=coalescing(runner.tasks))
        if not batch:
            return
        for message_id, task, payload in batch:
            with timings.timed(task):
                runner.run(message_id, task, payload)


async def propose_through_asgi(app, token: str, index: int) -> None:
    """One proposal on the numbered trace, through the ASGI app itself (no HTTP server),
    under a name no other proposal has: a new item, so no task follows."""
    body = json.dumps(
        {
            "assessment": {
                "assessment_name": "request_probe",
                "source": {"source_type": "HUMAN", "source_id": "annotator-0"},
                "expectation": {"value": "Paris"},
            }
        }
    ).encode()
    trace_id = trace_payload(index)["info"]["trace_id"]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/api/3.0/mlflow/traces/{trace_id}/assessments",
        "raw_path": b"",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert sent[0]["status"] == 200, sent


async def run_requests(app, items: int, timings: Timings, token: str) -> None:
    """The proposal route through the ASGI app itself: FastAPI's share, without uvicorn's."""
    async with app.router.lifespan_context(app):
        for index in range(items):
            with timings.timed("request"):
                await propose_through_asgi(app, token, index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=600)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    url = fresh_database("quorum_profile")
    # The write limit stays on (in memory, as one process has it), high enough never to refuse.
    settings = Settings(database_url=url, write_rate=1e6, write_burst=10**6)
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        payloads = [trace_payload(i) for i in range(args.items)]
        traces.register_traces(session, payloads=payloads, actor="bench")
        for reviewer in ("r1", "r2", "r3"):
            users.create_user(session, username=reviewer, role="reviewer", actor="bench")
        review.set_committee(session, scope="default", members=["r1", "r2", "r3"], actor="bench")
    timings = Timings()
    with profiled("proposal", args.profile):
        run_proposals(engine, args.items, timings)
    with profiled("tasks", args.profile):
        run_tasks(engine, TaskRunner(engine, settings, compose=letters.compose), timings)
    with profiled("request", args.profile):
        app = create_app(settings, engine=engine)
        asyncio.run(run_requests(app, args.items, timings, bench_token(url)))
    timings.report()
    engine.dispose()


if __name__ == "__main__":
    main()
