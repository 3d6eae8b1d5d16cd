"""The `quorum` command as a user runs it: real processes, real databases."""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlmodel import Session, func, select

from tests.factories import trace_json
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_on_a_fresh_folder_creates_its_database_and_answers(tmp_path):
    port = free_port()
    # Plain http to 127.0.0.1: the client must send the session cookie back without TLS.
    env = {**os.environ, "QUORUM_PORT": str(port), "QUORUM_SECURE_COOKIES": "false"}
    env.pop("QUORUM_DATABASE_URL", None)
    server = subprocess.Popen(
        [QUORUM, "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        assert (tmp_path / "quorum.db").exists()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as browser:
            home = browser.get("/")
            assert (home.status_code, home.headers["location"]) == (303, "/login?next=%2F")
            assert browser.get("/api/v1/me").status_code == 401
            password = first_admin_password(lines)
            form = browser.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
            signed_in = browser.post(
                "/login",
                data={"username": "admin", "password": password, "csrf": csrf, "next": "/"},
                follow_redirects=True,
            )
            assert signed_in.status_code == 200 and "Overview" in signed_in.text
    finally:
        server.terminate()
        server.wait(timeout=15)
        reader.join(timeout=5)
    output = "".join(lines)
    assert f"http://127.0.0.1:{port}/" in output


def first_admin_password(lines: list[str]) -> str:
    """The password the first start printed, once it has been printed."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = re.search(r"'admin' \(admin\).* with password (\S+)", "".join(lines))
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError("the first start printed no admin password: " + "".join(lines))
