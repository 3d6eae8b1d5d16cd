"""Statements per request on the hot routes stay fixed: an N+1 regression fails here."""

import threading
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import event

from api.app import create_app
from tests.factories import trace_json
from tests.identities import TESTER, bearer, token_for
from workflow.kernel.settings import Settings


@contextmanager
def counted(engine):
    """Statements the request runs; the relay's and the worker's own threads are left out."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not threading.current_thread().name.startswith("quorum-"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def proposal(annotator: str, name: str = "expected_answer") -> dict:
    return {
        "assessment": {
            "assessment_name": name,
            "source": {"source_type": "HUMAN", "source_id": annotator},
            "expectation": {"value": "Paris"},
        }
    }


def test_hot_routes_issue_a_fixed_number_of_statements(committed):
    settings = Settings(environment="test", database_url="sqlite://", write_rate=0)
    token = token_for(committed, TESTER, can_import=True)
    with TestClient(create_app(settings, engine=committed), headers=bearer(token)) as client:
        trace = trace_json()
        trace_id = trace["info"]["trace_id"]
        client.post("/api/v1/traces", json=trace).raise_for_status()
        route = f"/api/3.0/mlflow/traces/{trace_id}/assessments"
        client.post(route, json=proposal("warm-up")).raise_for_status()

        with counted(committed) as create:
            client.post(route, json=proposal("a@x")).raise_for_status()
        # The token with its owner, the item upsert (which also checks the trace and reads its
        # canonical key), the item's live proposals (which also give the quota count), and the
        # assessment with its revision, its `proposal.submitted` event and audit entry: one
        # statement on PostgreSQL (WITH ... INSERT), four on SQLite, which adds its BEGIN
        # IMMEDIATE too. The token's use was recorded by the warm-up, and is recorded at most
        # once a minute; whether a webhook endpoint listens was read by the warm-up too.
        expected = 4 if committed.dialect.name == "postgresql" else 8
        assert len(create) == expected, create

        with counted(committed) as small_view:
            client.get(f"/api/3.0/mlflow/traces/{trace_id}").raise_for_status()
        for index in range(20):
            client.post(route, json=proposal(f"ann{index}@x", f"name{index}")).raise_for_status()
        with counted(committed) as large_view:
            client.get(f"/api/3.0/mlflow/traces/{trace_id}").raise_for_status()
        assert len(large_view) == len(small_view), large_view
