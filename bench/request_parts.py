"""What each part of a proposal request costs, by leaving it out: the whole request through the
ASGI app, then without the token lookup (a fixed caller), without the domain's work (a fixed
answer), and without both, interleaved in one process so the machine's drift hits each alike.

    uv run --group bench python bench/request_parts.py [--requests 250] [--rounds 5]

Prints the median CPU per request of each variant over the rounds, and the parts they imply.
"""

import argparse
import asyncio
import statistics
import time

from harness import bench_token, fresh_database, save_result, trace_payload
from profile_hot_paths import propose_through_asgi

from api.app import create_app
from workflow import assessments, traces
from workflow.identity import tokens
from workflow.identity.access import Actor, actor_for, trusted
from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.entities import AssessmentDraft, Kind, SourceType
from workflow.kernel.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=250, help="per variant and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = fresh_database("quorum_parts")
    engine = make_engine(url)
    total = args.requests * args.rounds * 4 + 201
    with unit_of_work(engine) as session:
        payloads = [trace_payload(i) for i in range(total)]
        traces.register_traces(session, payloads=payloads, actor="bench")
    settings = Settings(database_url=url, write_rate=1e6, write_burst=10**6)
    app = create_app(settings, engine=engine)
    token = bench_token(url)
    real_authenticate, real_log = tokens.authenticate, assessments.log_assessment
    caller = actor_for("bench", "admin", can_import=True)
    draft = AssessmentDraft(
        name="request_probe",
        kind=Kind.EXPECTATION,
        source_type=SourceType.HUMAN,
        source_id="annotator-0",
        value="Paris",
    )
    with unit_of_work(engine) as session:  # the answer the "no domain" variants return
        trace_id = payloads[-1]["info"]["trace_id"]
        answer = real_log(
            session,
            trace_id=trace_id,
            draft=draft,
            by=trusted("bench"),
            limits=app.state.runtime.limits,
        )

    def fixed_caller(session, **_) -> Actor:
        return Actor(caller.name, caller.permissions)

    def fixed_answer(session, **_):
        return answer

    variants = {
        "whole request": (real_authenticate, real_log),
        "no token lookup": (fixed_caller, real_log),
        "no domain work": (real_authenticate, fixed_answer),
        "neither": (fixed_caller, fixed_answer),
    }
    cpu: dict[str, list[float]] = {name: [] for name in variants}

    async def run() -> None:
        index = 0
        async with app.router.lifespan_context(app):
            for index in range(200):  # warm the caches and the pool
                await propose_through_asgi(app, token, index)
            for _ in range(args.rounds):
                for name, (authenticate, log) in variants.items():
                    tokens.authenticate, assessments.log_assessment = authenticate, log
                    started = time.process_time()
                    for _ in range(args.requests):
                        index += 1
                        await propose_through_asgi(app, token, index)
                    cpu[name].append(1000 * (time.process_time() - started) / args.requests)
        tokens.authenticate, assessments.log_assessment = real_authenticate, real_log

    asyncio.run(run())
    engine.dispose()
    medians = {name: statistics.median(values) for name, values in cpu.items()}
    for name, value in medians.items():
        rounds = ", ".join(f"{v:.2f}" for v in cpu[name])
        print(f"{name}: {value:.2f} ms CPU per request (rounds: {rounds})")
    whole, neither = medians["whole request"], medians["neither"]
    parts = {
        "token lookup": whole - medians["no token lookup"],
        "domain work and its statements": whole - medians["no domain work"],
        "the rest (HTTP app, thread hop, rate limit)": neither,
    }
    for name, value in parts.items():
        print(f"  {name}: {value:.2f} ms ({value / whole:.0%} of the request)")
    save_result("request_parts", {"medians_ms": medians, "parts_ms": parts})


if __name__ == "__main__":
    main()
