"""The built wheel alone in an empty virtual env: `quorum serve` migrates and serves its pages."""

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory

from tests.backends import in_ci
from tests.servers import clean_env, first_admin_password, free_port, serving, sign_in
from workflow.models.migrations import alembic_config

ROOT = Path(__file__).parent.parent


def uv() -> str:
    found = shutil.which("uv")
    if found is None:
        message = "uv is not on PATH: it builds the wheel and its virtual env"
        if in_ci():
            pytest.fail(f"{message}; CI must provide it", pytrace=False)
        pytest.skip(message)
    return found


def run(*args: str, cwd: Path = ROOT) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtual env holding the wheel built from this tree, and nothing of the tree."""
    tool, tmp = uv(), tmp_path_factory.mktemp("wheel")
    run(tool, "build", "--wheel", "--out-dir", str(tmp / "dist"))
    (wheel,) = (tmp / "dist").glob("quorum-*.whl")
    # The interpreter the suite runs on, so that no Python has to be found or downloaded.
    run(tool, "venv", "--python", sys.executable, str(tmp / "venv"))
    run(tool, "pip", "install", "--python", str(tmp / "venv" / "bin" / "python"), str(wheel))
    return tmp / "venv"


def test_the_installed_package_finds_its_folders_inside_the_wheel(venv, tmp_path):
    where = run(
        str(venv / "bin" / "python"),
        "-c",
        "from workflow.kernel.shipped import shipped;"
        "print(*(shipped(n) for n in ('templates', 'static', 'migrations')), sep='\\n')",
        cwd=tmp_path,
    )
    folders = [Path(line) for line in where.splitlines()]
    assert all(folder.is_relative_to(venv) and folder.is_dir() for folder in folders), folders


def test_serve_from_the_wheel_migrates_and_serves_its_pages(venv, tmp_path):
    port = free_port()
    database = tmp_path / "q.db"
    folder = tmp_path / "empty"
    folder.mkdir()
    # Plain http to 127.0.0.1: the client must send the session cookie back without TLS.
    env = clean_env(QUORUM_DATABASE_URL=f"sqlite:///{database}", QUORUM_SECURE_COOKIES="false")
    command = [str(venv / "bin" / "quorum"), "serve", "--port", str(port)]
    with (
        serving(command, port=port, cwd=folder, env=env) as server,
        httpx.Client(base_url=server.url) as browser,
    ):
        health = browser.get("/health")
        assert health.json()["status"] == "ok"
        overview = sign_in(browser, "admin", first_admin_password(server.lines))
        assert (overview.status_code, overview.url.path) == (200, "/")
        assert overview.headers["content-type"].startswith("text/html")
        assert "<h1>Overview</h1>" in overview.text
        stylesheet = re.search(r'rel="stylesheet" href="(/static/[^"]+)"', overview.text)
        css = browser.get(stylesheet.group(1))
        assert css.status_code == 200
        assert css.content == (ROOT / stylesheet.group(1).lstrip("/")).read_bytes()
    assert not any(folder.iterdir()), "serve wrote into its working folder"
    head = ScriptDirectory.from_config(alembic_config(f"sqlite:///{database}")).get_current_head()
    with sqlite3.connect(database) as db:
        assert db.execute("select version_num from alembic_version").fetchall() == [(head,)]
