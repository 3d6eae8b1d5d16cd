"""The production path: outbox -> relay -> Redis -> a real `quorum worker` process -> promotion."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis
from sqlmodel import Session, select

from tests.api.conftest import LiveServer
from tests.backends import unavailable
from tests.factories import trace_json
from workflow.models import Item, OutboxMessage

BROKER = os.environ.get("QUORUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def broker() -> str:
    client = redis.Redis.from_url(BROKER)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        unavailable("Redis", str(exc))
    return BROKER


@pytest.fixture
def worker(committed, broker, tmp_path):
    env = {
        **os.environ,
        "QUORUM_BROKER_URL": broker,
        "QUORUM_DATABASE_URL": committed.url.render_as_string(hide_password=False),
    }
    quorum = str(Path(sys.executable).parent / "quorum")
    process = subprocess.Popen(
        [quorum, "worker", "--concurrency", "1", "--loglevel", "warning"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    process.communicate(timeout=30)


def wait_for(predicate, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_agreeing_proposals_are_promoted_by_a_celery_worker(committed, broker, worker):
    with LiveServer(committed, broker_url=broker) as live, httpx.Client(base_url=live.url) as http:
        trace = trace_json()
        trace_id = trace["info"]["trace_id"]
        http.post("/api/v1/traces", json=trace).raise_for_status()
        for annotator in ("a@x", "b@x", "c@x"):
            response = http.post(
                f"/api/3.0/mlflow/traces/{trace_id}/assessments",
                json={
                    "assessment": {
                        "assessment_name": "expected_answer",
                        "source": {"source_type": "HUMAN", "source_id": annotator},
                        "expectation": {"value": "Paris"},
                    }
                },
            )
            assert response.status_code == 200, response.text

        def settled() -> bool:
            with Session(committed) as session:
                done = session.exec(select(OutboxMessage.completed_at)).all()
                state = session.exec(select(Item.state)).one()
            return state == "promoted" and all(done)

        wait_for(settled)
