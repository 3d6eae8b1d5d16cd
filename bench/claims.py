"""The annotator queue under contention: 50 claimers on PostgreSQL, Quorum's claim side by side
with the two claims other tools use (read-then-write, and a row lock that waits).

Each claimer is its own process (the GIL would otherwise serialize them) with its own
connection, and loops: claim the next item of a campaign of 1,000 items with k = 3, then
complete the seat at once (an instant annotator), until nothing is left for it. Quorum's claim
is `workflow.queue.claim_next` as the API calls it, one transaction per claim. The
alternatives run on the same tables and data:

- read-then-write: SELECT the next open seat without a lock, then UPDATE it by key (the
  Langfuse queue's pattern): counted by how many seats it hands out twice;
- wait-lock: the same claim as Quorum's with FOR UPDATE but without SKIP LOCKED: the claimers
  queue behind one another's item locks.

A contender that has not filled every seat within `--budget` seconds is stopped and measured
over what it did ("finished": false); its items_not_at_quota then counts the unfinished too.

    uv run python bench/claims.py [--claimers 50] [--items 1000] [--k 3] [--budget 60]
"""

import argparse
import multiprocessing
import time
from datetime import timedelta

from harness import fresh_database, percentile, save_result
from sqlalchemy import text

from workflow import campaigns, queue
from workflow.identity import users
from workflow.identity.access import actor_for, trusted
from workflow.items import label_schemas
from workflow.kernel.db import make_engine, unit_of_work
from workflow.models.base import utcnow
from workflow.traces import register_traces

SCHEMA = {"name": "verdict", "value_type": "categorical", "options": ["yes", "no"]}


def build(url: str, claimers: int, items: int, k: int) -> int:
    """A campaign of `items` traces, one schema, `claimers` annotators; returns its id."""
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        label_schemas.create_schema(session, spec=SCHEMA, overlap=None, actor="bench")
        payloads = [
            {"info": {"trace_id": f"tr-{i:032x}", "request_time": "2026-01-01T00:00:00Z"}}
            for i in range(items)
        ]
        register_traces(session, payloads=payloads, actor="bench")
        names = [f"annotator-{i:02d}" for i in range(claimers)]
        for name in names:
            users.create_user(session, username=name, role="annotator", actor="bench")
        campaign = campaigns.create_campaign(
            session,
            settings=campaigns.CampaignSettings("bench", k),
            by=trusted("bench"),
            schemas=(campaigns.SchemaTarget("verdict"),),
            traces=campaigns.TraceSelection(
                trace_ids=tuple(p["info"]["trace_id"] for p in payloads)
            ),
        )
        roles = dict.fromkeys(names, "annotator")
        campaigns.set_members(session, campaign_id=campaign.id, roles=roles, by=trusted("bench"))
    engine.dispose()
    return campaign.id


def _complete(session, item_id: int, name: str) -> None:
    session.execute(
        text(
            "UPDATE seats SET status = 'submitted', lease_expires_at = NULL"
            " WHERE item_id = :i AND holder = :h"
        ),
        {"i": item_id, "h": name},
    )


def quorum_claim(engine, name: str, campaign_id: int):
    """Quorum's claim, then the seat completed in a second transaction."""
    by = actor_for(name, "annotator", can_import=False)
    with unit_of_work(engine) as session:
        claim = queue.claim_next(session, by=by, campaign_id=campaign_id)
    if claim is None:
        return None
    with unit_of_work(engine) as session:
        _complete(session, claim.item_id, name)
    return claim.item_id


_NEXT_SEAT = """
SELECT s.item_id, s.seat FROM seats s JOIN items i ON i.id = s.item_id
WHERE s.campaign_id = :c AND s.status = 'open'
  AND NOT EXISTS (SELECT 1 FROM seats m WHERE m.item_id = s.item_id AND m.holder = :h)
ORDER BY i.filled DESC, s.item_id, s.seat LIMIT 1
"""


_TAKE_SEAT = "UPDATE seats SET holder = :h, status = 'submitted' WHERE item_id = :i AND seat = :s"


def read_then_write(engine, name: str, campaign_id: int):
    """Read a free seat, then write it by key: two claimers who read together both win."""
    with unit_of_work(engine) as session:
        row = session.execute(text(_NEXT_SEAT), {"c": campaign_id, "h": name}).first()
        if row is None:
            return None
        # Nothing but the key guards the write: whoever read the same seat overwrites it.
        session.execute(
            text(_TAKE_SEAT),
            {"h": name, "i": row.item_id, "s": row.seat},
        )
        session.execute(
            text("UPDATE items SET filled = filled + 1 WHERE id = :i"), {"i": row.item_id}
        )
    return row.item_id


def wait_lock(engine, name: str, campaign_id: int):
    """Quorum's query, but FOR UPDATE that waits instead of skipping locked items."""
    with unit_of_work(engine) as session:
        item_id = session.execute(
            text(
                "SELECT i.id FROM items i WHERE i.campaign_id = :c AND i.filled < i.quota"
                " AND i.state IN ('collecting', 'reopened')"
                " AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.item_id = i.id AND s.holder = :h)"
                " ORDER BY i.filled DESC, i.id LIMIT 1 FOR UPDATE"
            ),
            {"c": campaign_id, "h": name},
        ).scalar()
        if item_id is None:
            return None
        seat = session.execute(
            text(
                "SELECT seat FROM seats WHERE item_id = :i AND status = 'open'"
                " ORDER BY seat LIMIT 1"
            ),
            {"i": item_id},
        ).scalar()
        if seat is None:  # the row was re-checked after the wait: full by now
            return -1
        session.execute(
            text(_TAKE_SEAT),
            {"h": name, "i": item_id, "s": seat},
        )
        session.execute(text("UPDATE items SET filled = filled + 1 WHERE id = :i"), {"i": item_id})
    return item_id


CONTENDERS = {"quorum": quorum_claim, "read-then-write": read_then_write, "wait-lock": wait_lock}


def claimer(url, contender, name, campaign_id, budget, ready, go, results) -> None:
    """One annotator's loop: claim until nothing is left or `budget` seconds passed; reports
    (claim latencies, the time of its last claim, failed claims)."""
    engine = make_engine(url, pool_size=1)
    claim = CONTENDERS[contender]
    with engine.connect():  # connected before the start, so connecting is not timed
        pass
    ready.put(name)
    go.wait()
    stop = time.monotonic() + budget
    latencies, misses, errors = [], 0, 0
    # Done after three empty claims; a claimer whose claims keep failing gives up too, and a
    # contender that convoys (read-then-write: all read one seat, then queue on its row) is
    # measured over the budget rather than waited for.
    while misses < 3 and errors < 200 and time.monotonic() < stop:
        began = time.perf_counter()
        try:
            got = claim(engine, name, campaign_id)
        except Exception:  # a lost race (a deadlock, a taken seat) counts as a failed claim
            got, errors = -1, errors + 1
        latencies.append(time.perf_counter() - began)
        if got is None:
            misses += 1
    results.put((latencies, time.time(), errors))
    engine.dispose()


def run(contender: str, claimers: int, items: int, k: int, budget: float) -> dict:
    """One contender on a fresh database: every claimer started together, timed to the last."""
    url = fresh_database("quorum_bench_claims")
    campaign_id = build(url, claimers, items, k)
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    processes = [
        context.Process(
            target=claimer,
            args=(url, contender, f"annotator-{i:02d}", campaign_id, budget, ready, go, results),
        )
        for i in range(claimers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()
    began = time.time()
    go.set()
    finished = [results.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = max(last for _, last, _ in finished) - began
    engine = make_engine(url)
    with engine.connect() as connection:
        done = connection.execute(
            text("SELECT count(*) FROM seats WHERE status = 'submitted'")
        ).scalar()
        filled = connection.execute(text("SELECT sum(filled) FROM items")).scalar()
        bad = connection.execute(text("SELECT count(*) FROM items WHERE filled <> quota")).scalar()
    engine.dispose()
    latencies = [latency for result, _, _ in finished for latency in result]
    return {
        "contender": contender,
        "claims_per_s": round(done / elapsed, 1),
        "seats_completed": done,
        "seats_expected": items * k,
        "finished": done == items * k,
        # read-then-write hands one seat to two claimers: the count says the item got them all,
        # the seats show fewer distinct ones.
        "handed_out_twice": int(filled) - done,
        "items_not_at_quota": bad,
        "failed_claims": sum(errors for _, _, errors in finished),
        "claim_p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "claim_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "elapsed_s": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claimers", type=int, default=50)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--only", choices=list(CONTENDERS))
    parser.add_argument("--budget", type=float, default=60, help="seconds per contender, at most")
    options = parser.parse_args()
    figures = []
    for contender in [options.only] if options.only else list(CONTENDERS):
        result = run(contender, options.claimers, options.items, options.k, options.budget)
        figures.append(result)
        print(result, flush=True)
    quorum = next((f for f in figures if f["contender"] == "quorum"), None)
    if quorum:
        for other in figures:
            if other is not quorum:
                ratio = quorum["claims_per_s"] / max(other["claims_per_s"], 0.1)
                print(f"quorum / {other['contender']}: {ratio:.2f}x claims/s")
    save_result(
        "claims", {"lease": str(timedelta(seconds=600)), "runs": figures, "at": str(utcnow())}
    )


if __name__ == "__main__":
    main()
