"""Delivery with real processes: PostgreSQL, a Redis of the test's own, `quorum worker`s.

No eager mode: the API's relay publishes to Redis and worker processes run the tasks.
"""

import os
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from tests.api.conftest import LiveServer
from tests.factories import trace_json
from tests.identities import bearer, token_for
from tests.workers.conftest import FAST_DELIVERY, QUORUM, wait_for
from workflow.models import (
    Assessment,
    Decision,
    Item,
    Notification,
    OutboxMessage,
    ReconcileRun,
    Role,
)

SETTINGS = {key.removeprefix("QUORUM_").lower(): value for key, value in FAST_DELIVERY.items()}


@pytest.fixture
def api(database, broker):
    with (
        LiveServer(database, broker_url=broker.url, **SETTINGS) as live,
        httpx.Client(base_url=live.url, timeout=10, headers=bearer(live.sign_in_tester())) as http,
    ):
        yield http


def propose(http, trace_id, annotator, value, name="expected_answer") -> None:
    response = http.post(
        f"/api/3.0/mlflow/traces/{trace_id}/assessments",
        json={
            "assessment": {
                "assessment_name": name,
                "source": {"source_type": "HUMAN", "source_id": annotator},
                "expectation": {"value": value},
            }
        },
    )
    assert response.status_code == 200, response.text


def new_trace(http) -> str:
    trace = trace_json()
    http.post("/api/v1/traces", json=trace).raise_for_status()
    return trace["info"]["trace_id"]


def states(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Item.state).order_by(col(Item.id))))


def all_done(engine) -> bool:
    with Session(engine) as session:
        return (
            session.exec(
                select(func.count()).where(col(OutboxMessage.completed_at).is_(None))
            ).one()
            == 0
        )


def test_agreement_is_promoted_and_a_dispute_is_routed_resolved_and_promoted(
    database, api, workers
):
    workers.start()
    http = api
    as_reviewer = {
        name: bearer(token_for(database, name, "reviewer")) for name in ("r1", "r2", "r3")
    }
    http.put("/api/v1/committees/default", json={"members": ["r1", "r2", "r3"]}).raise_for_status()
    agreed, disputed = new_trace(http), new_trace(http)
    for annotator in ("a", "b", "c"):
        propose(http, agreed, annotator, "Paris")
    for annotator, value in [("a", "Paris"), ("b", "Lyon"), ("c", "Nice")]:
        propose(http, disputed, annotator, value)
    wait_for(
        lambda: states(database) == ["promoted", "in_review"],
        timeout=30,
        what="promotion and routing",
    )
    with Session(database) as session:
        item_id = session.exec(select(Item.id).where(Item.trace_id == disputed)).one()
        routed = session.exec(select(func.count()).where(Notification.event == "item.routed")).one()
    assert routed == 3
    for reviewer in ("r1", "r2"):
        vote = http.post(
            f"/api/v1/reviewers/{reviewer}/items/{item_id}/vote",
            json={"choice": "value", "value": "Lyon"},
            headers=as_reviewer[reviewer],
        )
        assert vote.status_code == 200, vote.text
    wait_for(
        lambda: states(database) == ["promoted", "promoted"],
        timeout=30,
        what="the committee's promotion",
    )
    with Session(database) as session:
        methods = sorted(
            session.exec(
                select(Decision.method).where(col(Decision.outcome).in_(["agreed", "resolved"]))
            )
        )
    assert methods == ["auto", "committee"]


def hold_item_lock(database, item_id: int):
    """Lock the item's row from outside, so the task that needs it waits mid-way."""
    connection = database.connect()
    transaction = connection.begin()
    connection.execute(text("SELECT id FROM items WHERE id = :id FOR UPDATE"), {"id": item_id})
    return connection, transaction


def waiting_for_lock(database) -> bool:
    with database.connect() as connection:
        return bool(
            connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            ).scalar()
        )


def prepared_item(http, database) -> int:
    """An item with three agreeing proposals whose evaluation is queued but not yet run."""
    trace_id = new_trace(http)
    for annotator in ("a", "b", "c"):
        propose(http, trace_id, annotator, "Paris")
    with Session(database) as session:
        return session.exec(select(Item.id)).one()


def test_a_task_survives_its_worker_child_being_killed(database, api, workers):
    item_id = prepared_item(api, database)
    connection, transaction = hold_item_lock(database, item_id)
    try:
        worker = workers.start()
        wait_for(lambda: waiting_for_lock(database), timeout=30, what="the task to start")
        for pid in workers.children(worker):
            os.kill(pid, signal.SIGKILL)
    finally:
        transaction.rollback()
        connection.close()
    wait_for(lambda: states(database) == ["promoted"], timeout=30, what="the redelivered task")
    wait_for(lambda: all_done(database), timeout=10, what="every outbox message to finish")


def test_a_task_survives_the_whole_worker_being_killed(database, api, workers):
    item_id = prepared_item(api, database)
    connection, transaction = hold_item_lock(database, item_id)
    try:
        worker = workers.start()
        wait_for(lambda: waiting_for_lock(database), timeout=30, what="the task to start")
        workers.kill_all(worker)
    finally:
        transaction.rollback()
        connection.close()
    workers.start()
    visibility = float(FAST_DELIVERY["QUORUM_VISIBILITY_TIMEOUT"])
    wait_for(
        lambda: states(database) == ["promoted"],
        timeout=visibility + 30,
        what="redelivery after the visibility timeout",
    )


def test_proposals_accepted_while_redis_is_down_are_all_processed(database, api, broker, workers):
    workers.start()
    trace_ids = [new_trace(api) for _ in range(34)]
    broker.stop()

    def submit(index: int) -> None:
        propose(api, trace_ids[index // 3], f"annotator-{index % 3}", "Paris")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(submit, range(100)))  # every one answered 200 (asserted in propose)
    with Session(database) as session:
        assert (
            session.exec(select(func.count()).where(Assessment.role == Role.PROPOSAL)).one() == 100
        )
    broker.start()
    wait_for(lambda: all_done(database), timeout=60, what="the backlog after Redis came back")
    assert sorted(states(database)) == ["collecting"] + ["promoted"] * 33


def test_beat_runs_the_reconciler_on_its_schedule(database, broker, workers, tmp_path):
    workers.start(concurrency=1)
    beat = subprocess.Popen(
        [QUORUM, "beat", "--loglevel", "warning"],
        cwd=tmp_path,
        env=workers.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        interval = float(FAST_DELIVERY["QUORUM_RECONCILE_INTERVAL"])

        def reconciled() -> bool:
            with Session(database) as session:
                return session.exec(select(func.count()).select_from(ReconcileRun)).one() >= 2

        wait_for(reconciled, timeout=10 * interval + 20, what="two reconciler passes")
    finally:
        beat.terminate()
        beat.wait(timeout=10)


def test_a_bulk_import_is_evaluated_by_real_workers_a_hundred_items_a_message(
    database, api, workers
):
    # A hundred evaluations in one task take about a second here alone, but several under the
    # rest of the suite's load: the 5 s limit the redelivery tests use would kill the task and
    # redeliver it until it is dead-lettered. Production allows 60 s.
    workers.env.update({"QUORUM_TASK_TIME_LIMIT": "30", "QUORUM_VISIBILITY_TIMEOUT": "40"})
    workers.start()
    trace_ids = [new_trace(api) for _ in range(150)]
    entries = [
        {
            "trace_id": trace_id,
            "assessment_name": "expected_answer",
            "source": {"source_type": "HUMAN", "source_id": f"annotator-{annotator}"},
            "expectation": {"value": "Paris"},
        }
        for trace_id in trace_ids
        for annotator in range(3)
    ]
    response = api.post("/api/v1/imports/expectations", json=entries)
    assert response.json()["evaluations_queued"] == 150, response.text
    wait_for(lambda: all_done(database), timeout=60, what="the imported items' evaluations")
    assert states(database) == ["promoted"] * 150
    with Session(database) as session:
        messages = session.exec(select(OutboxMessage.task)).all()
        canonicals = session.exec(
            select(func.count()).where(Assessment.role == Role.CANONICAL)
        ).one()
    assert sorted(messages) == ["quorum.items.evaluate"] * 2
    assert canonicals == 150
