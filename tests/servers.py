"""Real `quorum serve` processes for tests: started, awaited, read, signed in to and stopped."""

import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

# Generous: on two loaded cores a first start (imports, migrations, the admin) took 10-17 s here.
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class Server:
    """A running server: where it answers, and every line it has printed so far."""

    url: str
    lines: list[str]

    @property
    def output(self) -> str:
        """What it has printed so far, as one text."""
        return "".join(self.lines)


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment, plus `extra`, without QUORUM_ settings or PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUORUM_")}
    env.pop("PYTHONPATH", None)
    return {**env, **extra}


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(
    command: Sequence[str],
    *,
    port: int,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float = START_TIMEOUT,
) -> Iterator[Server]:
    """Run `command` (a server on 127.0.0.1:`port`) in `cwd` with exactly `env`; yield it once
    `/health` answers; at exit stop it, killing it if it will not stop."""
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(f"http://127.0.0.1:{port}", [])
    # A thread drains the pipe, so a chatty server never blocks on a full one.
    reader = threading.Thread(target=_collect, args=(process.stdout, server.lines), daemon=True)
    reader.start()
    try:
        _await_health(server, process, timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)


def _collect(stream: IO[str], lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


def _await_health(server: Server, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"{server.url}/health", timeout=5)
            return
        except httpx.TransportError:
            running = process.poll() is None and time.monotonic() < deadline
            assert running, "serve did not start:\n" + server.output
            time.sleep(0.2)


def first_admin_password(lines: list[str]) -> str:
    """The password the first start printed, once it has been printed."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"'admin' \(admin\).* with password (\S+)", "".join(lines))
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError("the first start printed no admin password: " + "".join(lines))


def sign_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    """Sign in on the page as a browser does (the form, its CSRF field, the post); the answer
    after redirects."""
    form = client.get("/login")
    assert form.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    data = {"username": username, "password": password, "csrf": csrf, "next": "/"}
    return client.post("/login", data=data, follow_redirects=True)
