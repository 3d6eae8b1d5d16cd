"""Tokens through the real `mlflow` client and raw HTTP: Bearer and Basic work, wrong or revoked
ones are 401s, annotators log only as themselves, writes are rate limited, nothing in clear."""

import re
import uuid

import httpx
import mlflow
import pytest
from mlflow.entities import AssessmentSource
from mlflow.entities.assessment_source import AssessmentSourceType
from mlflow.exceptions import MlflowException
from sqlalchemy import Engine
from sqlmodel import SQLModel

from tests.api.conftest import LiveServer
from tests.backends import unavailable
from tests.factories import trace_json
from tests.identities import PASSWORD, bearer, token_for


def as_human(annotator: str) -> AssessmentSource:
    return AssessmentSource(source_type=AssessmentSourceType.HUMAN, source_id=annotator)


@pytest.fixture
def trace_id(live: LiveServer, http: httpx.Client) -> str:
    trace = trace_json()
    http.post("/api/v1/traces", json=trace).raise_for_status()
    mlflow.set_tracking_uri(live.url)
    return trace["info"]["trace_id"]


def log(trace_id: str, annotator: str, value: str = "Paris"):
    return mlflow.log_expectation(
        trace_id=trace_id, name="expected_answer", value=value, source=as_human(annotator)
    )


def test_an_annotator_token_logs_as_its_owner_only(live, trace_id, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", token_for(live.engine, "ann@x.com", "annotator"))
    assert log(trace_id, "ann@x.com").source.source_id == "ann@x.com"
    with pytest.raises(MlflowException, match="PERMISSION_DENIED"):
        log(trace_id, "someone-else@x.com")


def test_a_wrong_token_is_a_401_for_the_mlflow_client(live, trace_id, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "qrm_not-a-real-token")
    with pytest.raises(MlflowException, match="UNAUTHENTICATED"):
        log(trace_id, "ann@x.com")
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN")
    with pytest.raises(MlflowException, match="UNAUTHENTICATED"):
        mlflow.get_assessment(trace_id=trace_id, assessment_id="a-" + "0" * 32)


def test_basic_auth_takes_the_user_name_and_a_token(live, trace_id, monkeypatch):
    token = token_for(live.engine, "ann@x.com", "annotator")
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN")
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ann@x.com")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", token)
    assert log(trace_id, "ann@x.com").source.source_id == "ann@x.com"
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "boss")  # someone else's name, ann's token
    with pytest.raises(MlflowException, match="UNAUTHENTICATED"):
        log(trace_id, "ann@x.com")


def test_a_revoked_token_stops_at_once(live, http):
    token = token_for(live.engine, "ann@x.com", "annotator")
    mine = httpx.get(f"{live.url}/api/v1/tokens", headers=bearer(token)).json()["tokens"]
    revoked = httpx.delete(f"{live.url}/api/v1/tokens/{mine[0]['id']}", headers=bearer(token))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    after = httpx.get(f"{live.url}/api/v1/me", headers=bearer(token))
    assert (after.status_code, after.json()["error_code"]) == (401, "UNAUTHENTICATED")
    assert after.headers["www-authenticate"].startswith("Bearer")
    denied = http.get("/api/v1/audit", params={"action": "access.denied"}).json()["entries"]
    assert denied[0]["actor"] == "anonymous" and "revoked" in denied[0]["details"]["reason"]


def test_tokens_passwords_and_session_cookies_are_never_stored_in_clear(live, http, committed):
    created = http.post(
        "/api/v1/users", json={"username": "pat", "role": "lead", "password": PASSWORD}
    )
    assert created.status_code == 201 and PASSWORD not in created.text
    issued = http.post("/api/v1/tokens", json={"name": "for pat", "username": "pat"}).json()
    secret = issued["token"]
    assert httpx.get(f"{live.url}/api/v1/me", headers=bearer(secret)).json()["username"] == "pat"
    listed = http.get("/api/v1/tokens", params={"username": "pat"}).text
    assert secret not in listed
    with httpx.Client(base_url=live.url) as browser:
        form = browser.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        data = {"username": "pat", "password": PASSWORD, "csrf": csrf}
        assert browser.post("/login", data=data).status_code == 303
        cookie = browser.cookies["quorum_session"]
    assert_nowhere_in(
        committed, [secret, secret.removeprefix("qrm_"), PASSWORD, live.token, cookie]
    )


def assert_nowhere_in(engine: Engine, secrets: list[str]) -> None:
    """No column of any row of any table holds one of `secrets`."""
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                text = repr(tuple(row))
                leaked = [s for s in secrets if s in text]
                assert not leaked, f"{table.name} holds a secret in clear"


def write_limited(engine: Engine, **settings) -> None:
    """An annotator on a server allowing 2 writes at once, then one a minute: the third is 429."""
    suffix = uuid.uuid4().hex[:8]  # buckets of their own: Redis keeps them between tests
    name = f"ann-{suffix}"
    token = token_for(engine, name, "annotator")
    with LiveServer(engine, write_rate=1 / 60, write_burst=2, **settings) as server:
        trace = trace_json()
        admin = bearer(token_for(engine, f"admin-{suffix}", can_import=True))
        httpx.post(f"{server.url}/api/v1/traces", json=trace, headers=admin).raise_for_status()
        route = f"{server.url}/api/3.0/mlflow/traces/{trace['info']['trace_id']}/assessments"
        body = {
            "assessment": {
                "assessment_name": "expected_answer",
                "source": {"source_type": "HUMAN", "source_id": name},
                "expectation": {"value": "Paris"},
            }
        }
        statuses = [httpx.post(route, json=body, headers=bearer(token)) for _ in range(3)]
        assert [r.status_code for r in statuses] == [200, 200, 429]
        assert statuses[2].json()["error_code"] == "RESOURCE_EXHAUSTED"
        assert 1 <= int(statuses[2].headers["retry-after"]) <= 60
        reads = httpx.get(f"{server.url}/api/v1/me", headers=bearer(token))
        assert reads.status_code == 200  # reads are not counted
        server.drain()


def test_writes_are_rate_limited_per_user_in_one_process(committed):
    write_limited(committed)


def test_writes_are_rate_limited_across_processes_through_redis(committed):
    import redis

    try:
        redis.Redis(socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        unavailable("Redis", str(exc))
    write_limited(committed, rate_limit_url="redis://127.0.0.1:6379/0")


def test_a_flood_of_wrong_tokens_is_throttled_and_not_written_down(committed):
    with LiveServer(committed, login_rate=1 / 60, login_burst=3) as server:
        wrong = bearer("qrm_wrong")
        statuses = [httpx.get(f"{server.url}/api/v1/me", headers=wrong) for _ in range(5)]
        assert [r.status_code for r in statuses] == [401, 401, 401, 429, 429]
        assert statuses[-1].json()["error_code"] == "RESOURCE_EXHAUSTED"
        admin = bearer(token_for(committed, "tester", can_import=True))
        log = httpx.get(
            f"{server.url}/api/v1/audit", params={"action": "access.denied"}, headers=admin
        )
        assert len(log.json()["entries"]) == 3
        server.drain()
