"""The README's short tour, run as written against a real `quorum serve`: the token from the
CLI, the sample traces by curl, the guide's snippet through the real `mlflow` client."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import clean_env, free_port, serving

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
TOUR = README[README.index("## A short tour") : README.index("What happens:")]
BASH, PYTHON = (
    re.search(rf"```{kind}\n(.*?)```", TOUR, re.S).group(1) for kind in ("bash", "python")
)


def test_the_tour_runs_as_written(tmp_path):
    if shutil.which("uv") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the tour needs uv, which CI installs")
        pytest.skip("uv is not installed")
    port = free_port()
    here = f"http://127.0.0.1:{port}"
    # The tour's server and its commands share one database, as they share a folder there.
    env = clean_env(
        QUORUM_DATABASE_URL=f"sqlite:///{tmp_path / 'quorum.db'}", QUORUM_PORT=str(port)
    )
    command = [str(Path(sys.executable).parent / "quorum"), "serve"]
    with serving(command, port=port, cwd=tmp_path, env=env):
        shell = (
            BASH.replace("http://127.0.0.1:5000", here)
            + 'printf "\\n%s\\n" "$MLFLOW_TRACKING_TOKEN"\n'
        )
        ran = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", shell],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert ran.returncode == 0, ran.stderr
        *printed, token = ran.stdout.strip().splitlines()
        assert len(json.loads("".join(printed))["created"]) == 36, ran.stdout
        client = {**env, "MLFLOW_TRACKING_URI": here, "MLFLOW_TRACKING_TOKEN": token}
        snippet = subprocess.run(
            [sys.executable, "-c", PYTHON],
            env=client,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert snippet.returncode == 0, snippet.stderr
    assert snippet.stdout.strip() == (
        "quorum:auto Yes: worn boots can be returned within 60 days, muddy or not."
    )
