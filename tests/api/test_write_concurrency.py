"""Each API process runs at most QUORUM_WRITE_CONCURRENCY write requests at once; reads pass."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.api.conftest import LiveServer
from tests.factories import trace_json
from tests.identities import TESTER, bearer, token_for
from workflow import assessments


class Gauge:
    """Counts the calls inside a wrapped function right now, and the most there ever were."""

    def __init__(self, wrapped) -> None:
        self.wrapped, self.now, self.most, self.done = wrapped, 0, 0, 0
        self.lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(0.1)  # long enough for every request sent together to arrive
            return self.wrapped(*args, **kwargs)
        finally:
            with self.lock:
                self.now -= 1
                self.done += 1


def proposal(annotator: str) -> dict:
    return {
        "assessment": {
            "assessment_name": "expected_answer",
            "source": {"source_type": "HUMAN", "source_id": annotator},
            "expectation": {"value": "Paris"},
        }
    }


# SQLite runs one write transaction at a time whatever the limit: PostgreSQL shows the limit.
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
@pytest.mark.parametrize("limit", [1, 3])
def test_write_requests_beyond_the_limit_wait_their_turn(committed, monkeypatch, limit):
    gauge = Gauge(assessments.log_assessment)
    monkeypatch.setattr(assessments, "log_assessment", gauge)
    with LiveServer(committed, write_concurrency=limit) as server:
        token = token_for(committed, TESTER, "admin", can_import=True)
        with httpx.Client(base_url=server.url, timeout=30, headers=bearer(token)) as client:
            trace = trace_json()
            client.post("/api/v1/traces", json=trace).raise_for_status()
            route = f"/api/3.0/mlflow/traces/{trace['info']['trace_id']}/assessments"
            with ThreadPoolExecutor(6) as pool:
                sent = [pool.submit(client.post, route, json=proposal(f"a{i}")) for i in range(6)]
                # A read while the writes queue is not held behind them.
                client.get("/health").raise_for_status()
                done_by_then = gauge.done
                statuses = [future.result().status_code for future in sent]
        server.drain()
    assert statuses == [200] * 6
    assert gauge.most == limit
    assert done_by_then < 6
