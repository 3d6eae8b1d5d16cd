"""A live Quorum server on a free port, over each test database, with its in-process worker."""

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.app import create_app
from tests.factories import LIMITS, human, trace_json
from tests.identities import TESTER, bearer, token_for
from workflow import assessments, traces
from workflow.identity.access import trusted
from workflow.kernel.db import unit_of_work
from workflow.kernel.settings import Settings
from workflow.models import Item

# Tests other than the rate limit's own write as fast as they like; cookies travel over
# plain http to 127.0.0.1 (the default, Secure, is checked on its own).
TEST_SETTINGS = {"write_rate": 0, "secure_cookies": False}


class LiveServer:
    """Uvicorn serving the app in a thread; `url` is where it answers."""

    def __init__(self, engine: Engine, port: int = 0, **overrides) -> None:
        settings = Settings(
            environment="test",
            database_url=engine.url.render_as_string(hide_password=False),
            **{**TEST_SETTINGS, **overrides},
        )
        self.engine = engine
        self.token = ""
        self.app = create_app(settings, engine=engine)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *_exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def sign_in_tester(self) -> str:
        """Create the test admin (an importer too) and hold a token for them."""
        self.token = token_for(self.engine, TESTER, "admin", can_import=True)
        return self.token

    def drain(self) -> None:
        """Wait until the embedded worker has run everything, follow-up tasks included."""
        self.app.state.runtime.embedded.drain()


def split_item(live: LiveServer) -> int:
    """A new trace three annotators split on, its item evaluated (and routed to the committee
    that sits, if one does) by the server's worker; returns the item's id."""
    payload = trace_json()
    trace_id = payload["info"]["trace_id"]
    with unit_of_work(live.engine) as session:
        traces.register_traces(session, payloads=[payload], actor="t")
        for who, value in (("a", "Paris"), ("b", "Lyon"), ("c", "Nice")):
            assessments.log_assessment(
                session,
                trace_id=trace_id,
                draft=human("city", value, who),
                by=trusted(who),
                limits=LIMITS,
            )
    live.drain()
    with Session(live.engine) as session:
        return session.exec(select(Item.id).where(Item.trace_id == trace_id)).one()


@pytest.fixture(scope="module")
def live_server(engine: Engine) -> Iterator[LiveServer]:
    """One running server per module and database."""
    with LiveServer(engine) as server:
        yield server


@pytest.fixture
def live(
    live_server: LiveServer, committed: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """The module's server over a database wiped for this test, with the test admin's token
    in MLFLOW_TRACKING_TOKEN for the `mlflow` client."""
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", live_server.sign_in_tester())
    yield live_server
    live_server.drain()  # no task of this test may run into the next one's data


@pytest.fixture
def http(live: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client for the live server, acting as the test admin."""
    with httpx.Client(base_url=live.url, timeout=10, headers=bearer(live.token)) as client:
        yield client
