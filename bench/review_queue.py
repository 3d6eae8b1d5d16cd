"""The reviewer's queue page with 100,000 disputed items on PostgreSQL: the first page, a page
deep in the queue (the keyset cursor of the 99,950th item), and the same queue's JSON, oldest
first and most contested first, and filtered by a disputed field; beside them, what a deep
page costs when it is paged by OFFSET instead of a keyset.

The items are written straight into the tables (one trace, one reviewer on every item's
round, seven contest scores so that pages break inside long ties, `priority` disputed on a
third of them), then ANALYZEd, as a database that has lived a while is.

    uv run python bench/review_queue.py [--items 100000] [--runs 50]
"""

import argparse
import time

from annotate_page import PASSWORD, timed
from fastapi.testclient import TestClient
from harness import fresh_database, save_result, summary
from sqlalchemy import text

from api.app import create_app
from workflow import review
from workflow.identity import tokens, users, web_sessions
from workflow.identity.access import actor_for, trusted
from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.settings import Settings
from workflow.traces import register_traces

TRACE = {"info": {"trace_id": "tr-" + "cd" * 16, "request_time": "2026-11-01T00:00:00Z"}}
PAGE = 50

_ITEMS = """
INSERT INTO items (trace_id, span_id, name, state, version, review_round, filled, escalation,
                   state_changed_at, created_at, contest)
SELECT :trace, '', 'q' || n, 'in_review', 1, 1, 0, 0, now(), now(), round((n % 7) / 6.0, 6)
FROM generate_series(1, :items) AS n
"""
_DISPUTED = """
INSERT INTO item_disputed_fields (item_id, field)
SELECT id, 'priority' FROM items WHERE id % 3 = 0
UNION ALL SELECT id, 'intent' FROM items WHERE id % 5 = 0
"""
_ASSIGNED = """
INSERT INTO review_assignments (item_id, review_round, reviewer_id, created_at)
SELECT id, 1, reviewer, now() FROM items, (VALUES ('rev'), ('rev2')) AS r(reviewer)
"""
# The alternative: the same page reached by skipping rows rather than by a cursor.
_BY_OFFSET = """
SELECT i.id FROM items i JOIN review_assignments a
  ON a.item_id = i.id AND a.review_round = i.review_round
WHERE a.reviewer_id = 'rev' AND i.state = 'in_review'
ORDER BY i.id LIMIT :page OFFSET :skip
"""


def prepare(url: str, items: int) -> tuple[str, str]:
    """The items, a reviewer signed in; their session's secret and an API token."""
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        register_traces(session, payloads=[TRACE], actor="bench")
        for name in ("rev", "rev2"):
            users.create_user(
                session, username=name, role="reviewer", password=PASSWORD, actor="bench"
            )
        session.execute(text(_ITEMS), {"trace": TRACE["info"]["trace_id"], "items": items})
        session.execute(text(_ASSIGNED))
        session.execute(text(_DISPUTED))
        signed_in = web_sessions.login(session, username="rev", password=PASSWORD)
        token, _ = tokens.issue(session, username="rev", name="bench", by=trusted("bench"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    assert signed_in is not None
    return signed_in.secret, token


def by_offset(url: str, items: int, runs: int) -> list[float]:
    """Seconds each deep page took when paged by OFFSET."""
    engine = make_engine(url)
    times = []
    with engine.connect() as connection:
        for _ in range(runs):
            began = time.perf_counter()
            connection.execute(text(_BY_OFFSET), {"page": PAGE, "skip": items - PAGE}).all()
            times.append(time.perf_counter() - began)
    engine.dispose()
    return times


def deep_cursor(url: str, items: int, order: review.QueueOrder) -> str:
    """The cursor the queue gives after its (items - PAGE)th item in `order`: a deep page."""
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        skipped = review.reviewer_queue(
            session,
            reviewer_id="rev",
            by=actor_for("rev", "reviewer", can_import=False),
            limit=items - PAGE,
            order=order,
        ).next_page_token
    engine.dispose()
    assert skipped is not None
    return skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    options = parser.parse_args()
    url = fresh_database("quorum_bench_review_queue")
    secret, token = prepare(url, options.items)
    settings = Settings(environment="test", database_url=url, secure_cookies=False)
    deep, deep_contested = (deep_cursor(url, options.items, order) for order in review.QueueOrder)
    runs = {}
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        client.cookies.set("quorum_session", secret)
        runs["queue page, first"] = timed(client, "/review", options.runs)
        runs["queue page, deep (keyset)"] = timed(client, f"/review?after={deep}", options.runs)
        contested = "/review?order=contested"
        runs["contested page, first"] = timed(client, contested, options.runs)
        runs["contested page, deep (keyset)"] = timed(
            client, f"{contested}&after={deep_contested}", options.runs
        )
        runs["field filter page (a third), oldest"] = timed(
            client, "/review?field=priority", options.runs
        )
        runs["field filter page (a third), contested"] = timed(
            client, f"{contested}&field=priority", options.runs
        )
        client.cookies.clear()
        headers = {"Authorization": f"Bearer {token}"}
        runs["queue JSON, first"] = timed(
            client, "/api/v1/reviewers/rev/queue", options.runs, headers=headers
        )
    runs["deep page by OFFSET (query alone)"] = by_offset(url, options.items, options.runs)
    figures = summary(runs)
    keyset = figures["queue page, deep (keyset)"]["median_ms"]
    offset = figures["deep page by OFFSET (query alone)"]["median_ms"]
    print(f"deep page: OFFSET query alone / whole keyset page: {offset / keyset:.2f}x")
    print("target: queue page median < 100 ms (every page above)")
    save_result("review_queue", {"items": options.items, **figures})


if __name__ == "__main__":
    main()
