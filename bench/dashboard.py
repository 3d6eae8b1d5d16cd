"""A campaign dashboard with 1,000,000 proposals stored on PostgreSQL: the snapshot task that
computes its figures, and the page and JSON that read them; beside them, the alternative the
snapshot replaces, computing the figures while the reader waits.

333,334 items of a categorical schema, three proposals each from a pool of 30 annotators of
varying accuracy, a decision per item (agreed or disputed), written straight into the tables
and ANALYZEd, as a database that has lived a while is.

    uv run python bench/dashboard.py [--proposals 1000000] [--runs 30] [--snapshots 3]
"""

import argparse
import time
from collections.abc import Callable

from annotate_page import PASSWORD, timed
from fastapi.testclient import TestClient
from harness import fresh_database, save_result, summary
from sqlalchemy import text
from sqlmodel import Session

from api.app import create_app
from workflow import campaigns, dashboard
from workflow.dashboard.snapshot import compute
from workflow.identity import users, web_sessions
from workflow.identity.access import trusted
from workflow.items import label_schemas
from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.settings import Settings
from workflow.models.base import utcnow
from workflow.traces import register_traces

TRACE = {"info": {"trace_id": "tr-" + "da" * 16, "request_time": "2026-11-01T00:00:00Z"}}
OPTIONS = ["refund", "billing", "tech", "other"]
ANNOTATORS = 30

_ITEMS = """
INSERT INTO items (campaign_id, trace_id, span_id, name, schema_id, state, version,
                   review_round, filled, quota, escalation, state_changed_at, created_at)
SELECT :campaign, :trace, 's' || n, 'intent', :schema,
       CASE WHEN n % 5 = 0 THEN 'in_review' ELSE 'promoted' END, 1, 0, 3, 3, 0,
       now(), now() - interval '3 days' + n * interval '700 milliseconds'
FROM generate_series(1, :items) AS n
"""
# Each item's true option is its id modulo 4; annotator k is right with probability 0.6 to 0.95.
_PROPOSALS = """
INSERT INTO assessments (assessment_id, trace_id, span_id, name, kind, role, source_type,
                         source_id, value, metadata, valid, item_id, revision, created_at,
                         updated_at)
SELECT 'a-' || i.id || '-' || k, i.trace_id, i.span_id, 'intent', 'expectation', 'proposal',
       'HUMAN', 'u' || lpad(a::text, 2, '0'),
       to_jsonb((ARRAY['refund','billing','tech','other'])[
           1 + CASE WHEN random() < 0.6 + 0.35 * a / 30.0 THEN i.id % 4
                    ELSE floor(random() * 4)::int END]),
       '{}'::jsonb, true, i.id, 1, i.created_at + k * interval '20 minutes',
       i.created_at + k * interval '20 minutes'
FROM items i, generate_series(0, 2) AS k,
     LATERAL (SELECT (i.id * 7 + k * 11) % 30 AS a) AS who
WHERE i.campaign_id = :campaign
"""
_DECISIONS = """
INSERT INTO decisions (item_id, outcome, method, value, algorithm, record, proposals, voters,
                       created_at)
SELECT id, CASE WHEN state = 'in_review' THEN 'disputed' ELSE 'agreed' END, 'auto', 'null',
       'bench', '{"disputed_fields": []}', '[]', '[]', created_at + interval '1 hour'
FROM items WHERE campaign_id = :campaign
"""


def prepare(url: str, proposals: int) -> tuple[int, str]:
    """The campaign and its lead, signed in; the campaign's id and the lead's session secret."""
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        register_traces(session, payloads=[TRACE], actor="bench")
        spec = {"name": "intent", "value_type": "categorical", "options": OPTIONS}
        label_schemas.create_schema(session, spec=spec, overlap=3, actor="bench")
        users.create_user(session, username="lee", role="lead", password=PASSWORD, actor="bench")
        campaign = campaigns.create_campaign(
            session,
            settings=campaigns.CampaignSettings("bench", 3),
            by=trusted("lee"),
            schemas=(campaigns.SchemaTarget("intent"),),
            traces=campaigns.TraceSelection(trace_ids=()),
        )
        arguments = {
            "campaign": campaign.id,
            "trace": TRACE["info"]["trace_id"],
            "schema": session.execute(text("SELECT id FROM label_schemas")).scalar_one(),
            "items": -(-proposals // 3),
        }
        session.execute(text("SELECT setseed(0.42)"))
        session.execute(text(_ITEMS), arguments)
        session.execute(text(_PROPOSALS), arguments)
        session.execute(text(_DECISIONS), arguments)
        signed_in = web_sessions.login(session, username="lee", password=PASSWORD)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    assert signed_in is not None
    return campaign.id, signed_in.secret


def in_transactions(url: str, runs: int, work: Callable[[Session], object]) -> list[float]:
    """Seconds each of `runs` transactions doing `work` took, commit included."""
    engine = make_engine(url)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        with unit_of_work(engine) as session:
            work(session)
        times.append(time.perf_counter() - began)
    engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--snapshots", type=int, default=3)
    options = parser.parse_args()
    url = fresh_database("quorum_bench_dashboard")
    began = time.perf_counter()
    campaign_id, secret = prepare(url, options.proposals)
    print(f"stored {options.proposals:,} proposals in {time.perf_counter() - began:.1f} s")
    runs = {
        "snapshot task": in_transactions(
            url, options.snapshots, lambda s: dashboard.snapshot(s, campaign_id=campaign_id)
        )
    }
    settings = Settings(environment="test", database_url=url, secure_cookies=False)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        client.cookies.set("quorum_session", secret)
        page = f"/campaigns/{campaign_id}/dashboard"
        runs["dashboard page"] = timed(client, page, options.runs)
        runs["dashboard JSON"] = timed(client, f"{page}.json", options.runs)
        runs["alpha CSV"] = timed(client, f"{page}/alpha.csv", options.runs)
    # The alternative: the figures computed inside the request, as a page without a snapshot
    # would (the reading and the statistics; the page's rendering left out).
    runs["figures computed per request (the alternative)"] = in_transactions(
        url, options.snapshots, lambda s: compute(s, campaign_id=campaign_id, now=utcnow())
    )
    figures = summary(runs, 1)
    page_ms = figures["dashboard page"]["median_ms"]
    alternative = figures["figures computed per request (the alternative)"]["median_ms"]
    print(f"computing per request / reading the snapshot: {alternative / page_ms:.0f}x")
    print("targets: page median < 200 ms; snapshot task < 10 s")
    save_result("dashboard", {"proposals": options.proposals, **figures})


if __name__ == "__main__":
    main()
