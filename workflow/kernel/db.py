"""Engines and the unit of work: the one place a transaction is committed or rolled back."""

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache, partial
from typing import Any

from sqlalchemy import JSON, Engine, Insert, Table, bindparam, event, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlmodel import Session, create_engine

from workflow.kernel.errors import AlreadyExists

log = logging.getLogger(__name__)


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
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    event.listen(engine, "connect", _note_checkin)  # a new connection needs no ping
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


# A connection back in use within this many seconds is trusted without a ping. SQLAlchemy's
# pool_pre_ping pings on every checkout: a round trip per transaction, which on the hot paths
# (one proposal, one task) cost as much as one of their statements.
_TRUSTED_IDLE_SECONDS = 2.0


def _note_checkin(_dbapi_connection, record) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dialect, dbapi_connection, record, _proxy) -> None:
    """Ping a connection that sat idle; a dead one makes the pool connect afresh."""
    if time.monotonic() - record.info.get("checked_in_at", 0.0) <= _TRUSTED_IDLE_SECONDS:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except dialect.loaded_dbapi.Error as exc:
        raise DisconnectionError(f"connection went away while idle: {exc}") from exc


def is_postgres(session: Session) -> bool:
    """Whether the session talks to PostgreSQL (row locks) rather than SQLite."""
    return session.get_bind().dialect.name == "postgresql"


def per_dialect(build: Callable[[Callable], Any]) -> Callable[[Session], Any]:
    """A statement built once for each supported database, from its ON CONFLICT `insert`;
    call the result with a session for that session's statement (hot paths need not rebuild it)."""
    built = {"postgresql": build(pg_insert), "sqlite": build(sqlite_insert)}
    return lambda session: built[session.get_bind().dialect.name]


Write = tuple[Table, dict[str, Any]]


def insert_each(session: Session, writes: Sequence[Write]) -> None:
    """Insert one row into each table, in order, in one round trip: on PostgreSQL a single
    statement (the first rows in data-modifying WITH clauses), elsewhere a statement each.
    Each row must give every column that has a default: PostgreSQL's statement applies none."""
    if not is_postgres(session):
        for table, row in writes:
            session.execute(insert(table), row)
        return
    shape = tuple((table, tuple(row)) for table, row in writes)
    params = {
        f"w{i}_{column}": value
        for i, (_, row) in enumerate(writes)
        for column, value in row.items()
    }
    session.execute(_together(shape), params)


@cache
def _together(shape: tuple[tuple[Table, tuple[str, ...]], ...]) -> Insert:
    """The one statement `insert_each` runs for rows of these tables and columns."""

    def one(index: int, table: Table, columns: tuple[str, ...]) -> Insert:
        values = {c: bindparam(f"w{index}_{c}", type_=table.c[c].type) for c in columns}
        return insert(table).values(values)

    *first, (last_table, last_columns) = shape
    statement = one(len(first), last_table, last_columns)
    for index, (table, columns) in enumerate(first):
        statement = statement.add_cte(one(index, table, columns).cte(f"write_{index}"))
    return statement


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows, each giving every column it needs (defaults are not applied): COPY
    on PostgreSQL, several times faster than multi-row INSERTs; executemany elsewhere. COPY
    goes around the ORM, so the session's pending objects are flushed first."""
    if not rows:
        return
    session.flush()
    if not is_postgres(session):
        session.execute(insert(table), rows)
        return
    from psycopg.types.json import Jsonb

    columns = list(rows[0])
    json_columns = {column.name for column in table.columns if isinstance(column.type, JSON)}
    names = ", ".join(f'"{column}"' for column in columns)
    connection = session.connection().connection.dbapi_connection
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([Jsonb(row[c]) if c in json_columns else row[c] for c in columns])


def add_unique(session: Session, row: Any, taken: str) -> None:
    """Add and flush `row`; AlreadyExists(`taken`) if a unique key holds it already, with the
    rest of the transaction left as it was (a savepoint takes the failure)."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise AlreadyExists(taken) from None


_AFTER_COMMIT = "quorum.after_commit"


def after_commit(session: Session, hook: Callable[[], None]) -> None:
    """Run `hook` once after the session's transaction commits; a rollback drops it. The same
    hook registered twice runs once."""
    session.info.setdefault(_AFTER_COMMIT, {})[hook] = None


def _run_after_commit(session: Session) -> None:
    for hook in session.info.pop(_AFTER_COMMIT, {}):
        try:
            hook()
        except Exception:
            # The commit stands: a hook only hurries work the reconciler would find anyway.
            log.exception("after-commit hook %r failed", hook)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits when the block ends cleanly and rolls back otherwise;
    the hooks registered by `after_commit` run after the commit, never after a rollback."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.info.pop(_AFTER_COMMIT, None)
            session.rollback()
            raise
    _run_after_commit(session)


@contextmanager
def autocommit(engine: Engine) -> Iterator[Session]:
    """A session for work of one statement (or of independent ones), each committed as it runs.

    On PostgreSQL a statement then costs one round trip, where BEGIN ... COMMIT around it costs
    three. SQLite gets an ordinary unit of work: its transactions cost no round trips.
    """
    if engine.dialect.name != "postgresql":
        with unit_of_work(engine) as session:
            yield session
        return
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with connection, Session(connection, expire_on_commit=False) as session:
        yield session
    _run_after_commit(session)
