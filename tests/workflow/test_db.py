"""Engines on PostgreSQL: a connection that died while idle in the pool is replaced unseen."""

import pytest
from sqlalchemy import text

from tests.backends import POSTGRES_ADMIN_URL, postgres_engine
from workflow.kernel import db


@pytest.fixture
def engine():
    created = postgres_engine("_pool")
    yield created
    created.dispose()


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_killed_while_idle_is_replaced_before_use(engine, monkeypatch):
    first = backend_pid(engine)
    admin = db.make_engine(POSTGRES_ADMIN_URL, pool_size=1)
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    admin.dispose()
    # Every checkout now counts as "idle too long", as after a quiet spell or a restart.
    monkeypatch.setattr(db, "_TRUSTED_IDLE_SECONDS", -1.0)
    second = backend_pid(engine)  # no error: the ping found the dead connection first
    assert second != first


def test_a_busy_connection_is_not_pinged(engine):
    pings = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(1) or original(connection)
    backend_pid(engine)  # a fresh connection
    for _ in range(5):
        backend_pid(engine)
    assert pings == []
