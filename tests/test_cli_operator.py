"""The operator's commands as an operator runs them, beside a real `quorum serve` on SQLite."""

import getpass
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.factories import trace_json
from tests.servers import Server, clean_env, first_admin_password, free_port, serving, sign_in

QUORUM = str(Path(sys.executable).parent / "quorum")
ACTOR = f"cli:{getpass.getuser()}"

# The `mlflow` client in its own process, so its settings (tracking URI, token) live and die
# there: log a HUMAN expectation as `ann` on a trace, then read the trace's expectations back.
CLIENT = """
import json, sys
import mlflow
from mlflow.entities import AssessmentSource
from mlflow.entities.assessment_source import AssessmentSourceType
from mlflow.exceptions import MlflowException

trace_id = sys.argv[1]
try:
    mlflow.log_expectation(
        trace_id=trace_id,
        name="expected_answer",
        value="Paris",
        source=AssessmentSource(source_type=AssessmentSourceType.HUMAN, source_id="ann"),
    )
except MlflowException as exc:
    print(json.dumps({"refused": exc.error_code, "message": exc.message}))
    sys.exit(0)
trace = mlflow.get_trace(trace_id)
found = trace.search_assessments(name="expected_answer")
print(json.dumps({"logged": [[a.source.source_id, a.value] for a in found]}))
"""


@dataclass
class Site:
    """A server, the folder and environment its commands run in, and the admin's credentials."""

    server: Server
    folder: Path
    env: dict[str, str]
    admin_password: str
    admin_token: str = ""

    def quorum(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return run([QUORUM, *args], cwd=self.folder, env=self.env, stdin=stdin)

    def api(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        return httpx.Client(base_url=self.server.url, headers=headers, timeout=30)

    def audited(self, action: str) -> list[dict]:
        with self.api() as api:
            page = api.get("/api/v1/audit", params={"actor": ACTOR, "action": action})
        assert page.status_code == 200, page.text
        return page.json()["entries"]


def run(
    command: list[str], *, cwd: Path, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess:
    """`command` run to its end, its output captured; minutes at most, on a loaded machine."""
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def succeeds(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"{result.args}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """`quorum serve` on a fresh SQLite database, with a token the CLI issued for `admin`."""
    folder = tmp_path_factory.mktemp("operator")
    port = free_port()
    # Plain http to 127.0.0.1: the client must send the session cookie back without TLS.
    env = clean_env(
        QUORUM_DATABASE_URL=f"sqlite:///{folder / 'q.db'}", QUORUM_SECURE_COOKIES="false"
    )
    with serving([QUORUM, "serve", "--port", str(port)], port=port, cwd=folder, env=env) as server:
        site = Site(server, folder, env, admin_password=first_admin_password(server.lines))
        issued = succeeds(site.quorum("tokens", "issue", "admin", "--name", "operator test"))
        site.admin_token = issued.stdout.strip()
        yield site


def run_client(site: Site, token: str, trace_id: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "QUORUM_"))}
    env |= {"MLFLOW_TRACKING_URI": site.server.url, "MLFLOW_TRACKING_TOKEN": token}
    result = run([sys.executable, "-c", CLIENT, trace_id], cwd=site.folder, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_an_annotator_token_from_the_cli_works_with_mlflow_until_revoked(site):
    created = succeeds(site.quorum("users", "create", "ann", "--role", "annotator"))
    generated = created.stdout.strip()
    assert len(generated) >= 12 and created.stdout == generated + "\n"
    with httpx.Client(base_url=site.server.url) as browser:
        assert sign_in(browser, "ann", generated).url.path == "/"
    again = site.quorum("users", "create", "ann", "--role", "reviewer")
    assert (again.returncode, again.stderr) == (1, "error: user 'ann' already exists\n")
    listed_users = succeeds(site.quorum("users", "list")).stdout
    assert re.search(r"^ann\s+annotator\s+no\s+no\s+yes$", listed_users, re.MULTILINE)

    trace = trace_json()
    trace_id = trace["info"]["trace_id"]
    with site.api() as api:
        assert api.post("/api/v1/traces", json=trace).status_code == 201

    issued = succeeds(
        site.quorum(
            "tokens", "issue", "ann", "--scope", "read", "--scope", "annotate", "--days", "7"
        )
    )
    token = issued.stdout.strip()
    assert token.startswith("qrm_") and issued.stdout == token + "\n"
    token_id = re.search(r"token (\d+) for 'ann' \(annotate, read\), expires ", issued.stderr)[1]
    assert run_client(site, token, trace_id) == {"logged": [["ann", "Paris"]]}

    listed = succeeds(site.quorum("tokens", "list", "ann")).stdout
    assert re.search(rf"^{token_id}\s+ann\s+cli\s+annotate,read\s", listed, re.MULTILINE)
    assert token not in listed and "admin" not in listed

    revoked = succeeds(site.quorum("tokens", "revoke", token_id))
    assert f"token {token_id} of 'ann' revoked at " in revoked.stdout
    refused = run_client(site, token, trace_id)
    assert refused["refused"] == "UNAUTHENTICATED", refused
    assert "revoked" in refused["message"]
    everyone = succeeds(site.quorum("tokens", "list")).stdout
    (row,) = [line for line in everyone.splitlines() if line.startswith(f"{token_id} ")]
    # created, expires, last used (by the client) and revoked: four times, none left out.
    assert len(re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", row)) == 4, row
    assert re.search(r"^\d+\s+admin\s+operator test\s", everyone, re.MULTILINE)
    assert site.admin_token not in everyone

    (issue,) = [e for e in site.audited("token.issue") if e["subject_id"] == token_id]
    assert issue["details"] == {"owner": "ann", "scopes": ["annotate", "read"]}
    (revocation,) = site.audited("token.revoke")
    assert (revocation["subject_id"], revocation["details"]) == (token_id, {"owner": "ann"})
    (creation,) = site.audited("user.create")
    assert creation["subject_id"] == "ann"
    assert creation["details"] == {"role": "annotator", "can_import": False}


def test_a_lost_admin_password_is_reset_from_the_cli(site):
    with httpx.Client(base_url=site.server.url) as before:
        assert sign_in(before, "admin", site.admin_password).url.path == "/"
        new = "a new admin password, long enough"
        succeeds(
            site.quorum("users", "set-password", "admin", "--password-stdin", stdin=new + "\n")
        )
        # The page session signed in with the old password is over, as after the API's change.
        home = before.get("/")
        assert (home.status_code, home.headers["location"]) == (303, "/login?next=%2F")
    with httpx.Client(base_url=site.server.url) as browser:
        assert sign_in(browser, "admin", site.admin_password).status_code == 401
    with httpx.Client(base_url=site.server.url) as browser:
        signed_in = sign_in(browser, "admin", new)
        assert (signed_in.status_code, signed_in.url.path) == (200, "/")
    (change,) = site.audited("user.update")
    assert (change["subject_id"], change["details"]) == ("admin", {"password": "changed"})
    # The API token issued before the reset still answers: a new password ends page sessions only.
    with site.api() as api:
        assert api.get("/api/v1/me").json()["username"] == "admin"
