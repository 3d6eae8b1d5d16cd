"""Shared fixtures: each database-backed test runs on SQLite and on PostgreSQL."""

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from tests.backends import postgres_engine, sqlite_engine, wipe


@pytest.fixture(scope="session", autouse=True)
def _mail_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Emails written in embedded mode land in a temporary folder, never in the checkout."""
    os.environ.setdefault("QUORUM_EMAIL_DIR", str(tmp_path_factory.mktemp("mail")))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A migrated database of each kind, shared by the session."""
    if request.param == "sqlite":
        created = sqlite_engine(tmp_path_factory.mktemp("sqlite"))
    else:
        created = postgres_engine()
    yield created
    created.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back: tests leave nothing behind."""
    connection = engine.connect()
    outer = connection.begin()
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        yield session
    outer.rollback()
    connection.close()


@pytest.fixture
def committed(engine: Engine) -> Iterator[Engine]:
    """The engine, for tests that commit for real (concurrency, live servers); wiped after."""
    wipe(engine)
    yield engine
    wipe(engine)
