"""The annotate page for a trace of 200 spans: how long the server takes to answer it, on
PostgreSQL, measured through the whole app (session cookie, the claim check, the trace read
and its span tree, the template) with an in-process client, beside the same trace's JSON from
`GET /api/v1/traces/{id}` (the read alone, no page).

    uv run python bench/annotate_page.py [--spans 200] [--runs 200]
"""

import argparse
import json
import statistics
import time

from fastapi.testclient import TestClient
from harness import fresh_database, percentile, save_result

from api.app import create_app
from workflow import campaigns, queue
from workflow.identity import tokens, users, web_sessions
from workflow.identity.access import actor_for, trusted
from workflow.items import label_schemas
from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.settings import Settings
from workflow.traces import register_traces

SCHEMA = {"name": "answer_correct", "value_type": "pass_fail"}
PASSWORD = "bench-password-long-enough"


def trace_of(spans: int) -> dict:
    """A trace whose root calls `spans - 1` children (tools and retrievers), each with inputs
    and outputs of a few hundred characters, as an agent's trace has."""
    trace_id = "tr-" + "ab" * 16
    rows = []
    for index in range(spans):
        kind = "AGENT" if index == 0 else ("RETRIEVER" if index % 3 else "TOOL")
        rows.append(
            {
                "span_id": f"{index + 1:016x}",
                "parent_span_id": None if index == 0 else f"{(index - 1) // 4 + 1:016x}",
                "name": f"step_{index}",
                "start_time_unix_nano": 1_795_619_518_785_867_739 + index,
                "end_time_unix_nano": 1_795_619_518_830_605_913 + index,
                "status": {"code": "STATUS_CODE_OK", "message": ""},
                "attributes": {
                    "mlflow.spanType": json.dumps(kind),
                    "mlflow.spanInputs": json.dumps({"query": f"question {index} " * 20}),
                    "mlflow.spanOutputs": json.dumps({"documents": [f"passage {index}"] * 12}),
                },
            }
        )
    info = {
        "trace_id": trace_id,
        "request_time": "2026-11-25T15:11:58.785Z",
        "state": "OK",
        "trace_metadata": {
            "mlflow.traceInputs": json.dumps({"question": "Where is my order?"}),
            "mlflow.traceOutputs": json.dumps({"answer": "On its way. " * 30}),
        },
        "tags": {"mlflow.traceName": "support_agent"},
    }
    return {"info": info, "data": {"spans": rows}}


def prepare(url: str, spans: int) -> tuple[int, str, str]:
    """A campaign over the one trace, an annotator with a claim on its item and a session."""
    engine = make_engine(url)
    trace = trace_of(spans)
    with unit_of_work(engine) as session:
        label_schemas.create_schema(session, spec=SCHEMA, overlap=None, actor="bench")
        register_traces(session, payloads=[trace], actor="bench")
        users.create_user(
            session, username="ann", role="annotator", password=PASSWORD, actor="bench"
        )
        campaign = campaigns.create_campaign(
            session,
            settings=campaigns.CampaignSettings("bench", 1, instructions="Is the *answer* right?"),
            by=trusted("bench"),
            schemas=(campaigns.SchemaTarget("answer_correct"),),
            traces=campaigns.TraceSelection(trace_ids=(trace["info"]["trace_id"],)),
        )
        campaigns.set_members(
            session, campaign_id=campaign.id, roles={"ann": "annotator"}, by=trusted("bench")
        )
        ann = actor_for("ann", "annotator", can_import=False)
        claim = queue.claim_next(session, by=ann, campaign_id=campaign.id)
        signed_in = web_sessions.login(session, username="ann", password=PASSWORD)
    engine.dispose()
    assert claim is not None and signed_in is not None
    return claim.item_id, trace["info"]["trace_id"], signed_in.secret


def timed(client: TestClient, path: str, runs: int, **request) -> list[float]:
    """Seconds each of `runs` GETs took, after a few unmeasured ones."""
    for _ in range(5):
        client.get(path, **request).raise_for_status()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(path, **request)
        times.append(time.perf_counter() - began)
        response.raise_for_status()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=200)
    parser.add_argument("--runs", type=int, default=200)
    options = parser.parse_args()
    url = fresh_database("quorum_bench_annotate")
    item_id, trace_id, secret = prepare(url, options.spans)
    settings = Settings(environment="test", database_url=url, secure_cookies=False)
    figures = {}
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        client.cookies.set("quorum_session", secret)
        page = timed(client, f"/work/items/{item_id}", options.runs)
        size = len(client.get(f"/work/items/{item_id}").content)
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        token, _ = tokens.issue(session, username="ann", name="bench", by=trusted("bench"))
    engine.dispose()
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        headers = {"Authorization": f"Bearer {token}"}
        read = timed(client, f"/api/v1/traces/{trace_id}", options.runs, headers=headers)
    for name, times in (("annotate page", page), ("trace JSON", read)):
        figures[name] = {
            "median_ms": round(statistics.median(times) * 1000, 2),
            "p99_ms": round(percentile(times, 0.99) * 1000, 2),
        }
        print(f"{name}: median {figures[name]['median_ms']} ms, p99 {figures[name]['p99_ms']} ms")
    ratio = figures["annotate page"]["median_ms"] / figures["trace JSON"]["median_ms"]
    print(f"page bytes {size}; page / JSON read: {ratio:.2f}x; target median < 50 ms")
    save_result("annotate_page", {"spans": options.spans, "page_bytes": size, **figures})


if __name__ == "__main__":
    main()
