"""The `quorum` command as a user runs it: real processes, real databases."""

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from sqlmodel import Session, func, select

from tests.factories import trace_json
from tests.servers import first_admin_password, free_port, serving, sign_in
from workflow.models import Span, Trace

QUORUM = str(Path(sys.executable).parent / "quorum")


def run_quorum(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [QUORUM, *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_traces_import_reads_jsonl_and_is_idempotent(committed, tmp_path):
    path = tmp_path / "traces.jsonl"
    lines = [json.dumps(trace_json()) for _ in range(7)]
    path.write_text("\n".join(lines) + "\n\n")
    env = {"QUORUM_DATABASE_URL": committed.url.render_as_string(hide_password=False)}
    first = run_quorum("traces", "import", str(path), "--batch", "3", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "7 traces created, 0 already present" in first.stdout
    again = run_quorum("traces", "import", str(path), cwd=tmp_path, env=env)
    assert "0 traces created, 7 already present" in again.stdout
    with Session(committed) as session:
        assert session.exec(select(func.count()).select_from(Trace)).one() == 7
        assert session.exec(select(func.count()).select_from(Span)).one() == 14


def test_traces_import_refuses_a_bad_line_with_its_number(tmp_path):
    path = tmp_path / "traces.jsonl"
    path.write_text(json.dumps(trace_json()) + "\n{broken\n")
    env = {"QUORUM_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}"}
    result = run_quorum("traces", "import", str(path), cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert "line 2 is not JSON" in result.stderr


def fresh_env(**settings: str) -> dict[str, str]:
    """This environment with a fresh folder's defaults: no database URL or port of its own."""
    env = {k: v for k, v in os.environ.items() if k not in {"QUORUM_DATABASE_URL", "QUORUM_PORT"}}
    return {**env, **settings}


def test_serve_on_a_fresh_folder_creates_its_database_and_answers(tmp_path):
    port = free_port()
    # Plain http to 127.0.0.1: the client must send the session cookie back without TLS.
    env = fresh_env(QUORUM_PORT=str(port), QUORUM_SECURE_COOKIES="false")
    with serving([QUORUM, "serve"], port=port, cwd=tmp_path, env=env) as server:
        health = httpx.get(f"{server.url}/health", timeout=5)
        assert health.json()["status"] == "ok"
        assert (tmp_path / "quorum.db").exists()
        with httpx.Client(base_url=server.url) as browser:
            home = browser.get("/")
            assert (home.status_code, home.headers["location"]) == (303, "/login?next=%2F")
            assert browser.get("/api/v1/me").status_code == 401
            signed_in = sign_in(browser, "admin", first_admin_password(server.lines))
            assert signed_in.status_code == 200 and "Overview" in signed_in.text
    assert f"http://127.0.0.1:{port}/" in server.output


def test_serve_prints_the_sign_in_url_of_the_port_it_serves(tmp_path):
    port = free_port()
    command = [QUORUM, "serve", "--port", str(port)]
    with serving(command, port=port, cwd=tmp_path, env=fresh_env()) as server:
        first_admin_password(server.lines)
    assert f"Sign in at http://127.0.0.1:{port}/login with password" in server.output
