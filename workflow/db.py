"""Engines and the unit of work: the one place a transaction is committed or rolled back."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; busy_timeout queues writers instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    # BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
    # writes fails at once with "database is locked" when another writer got there first.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(database_url: str, *, pool_size: int = 10) -> Engine:
    """An engine for SQLite (embedded default) or PostgreSQL (production)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def is_postgres(session: Session) -> bool:
    """Whether the session talks to PostgreSQL (row locks) rather than SQLite."""
    return session.get_bind().dialect.name == "postgresql"


@contextmanager
def unit_of_work(
    engine: Engine, *, after_commit: Callable[[], None] | None = None
) -> Iterator[Session]:
    """A session whose transaction commits when the block ends cleanly and rolls back otherwise."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
    if after_commit is not None:
        after_commit()
