"""Typed dependencies: the request's unit of work (the boundary of every route but the
hot writes, which take `api.boundary.in_one_hop`), limits and settings."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.runtime import runtime
from workflow.kernel.db import unit_of_work
from workflow.kernel.settings import Settings
from workflow.kernel.values import ValueLimits

# The dependencies are `async def` although they do no I/O of their own: FastAPI runs a plain
# `def` dependency in its thread pool, and each such hop cost more CPU than a SQL statement
# (profiled on the proposal route: five hops were a quarter of the request).


async def _session(request: Request) -> AsyncIterator[Session]:
    """The request boundary: commit when the route returns, roll back if it raised.

    Opening the unit of work does no I/O (the connection is taken on first use, in the route's
    thread), so it happens here; the commit does, so it runs in the thread pool.
    """
    work = unit_of_work(runtime(request).engine)
    session = work.__enter__()
    try:
        yield session
    except BaseException as exc:
        await run_in_threadpool(work.__exit__, type(exc), exc, exc.__traceback__)
        raise
    # The commit; work the request wrote to the outbox wakes the relay once it has committed.
    await run_in_threadpool(work.__exit__, None, None, None)


async def _limits(request: Request) -> ValueLimits:
    return runtime(request).limits


async def _settings(request: Request) -> Settings:
    return runtime(request).settings


# scope="function": commit before the response is sent, so a 2xx always means "stored".
SessionDep = Annotated[Session, Depends(_session, scope="function")]
LimitsDep = Annotated[ValueLimits, Depends(_limits)]
SettingsDep = Annotated[Settings, Depends(_settings)]

# Row ids as the database numbers them (32-bit integer columns): a larger one cannot exist.
_MAX_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=_MAX_ID)]
Before = Annotated[int | None, Query(ge=1, le=_MAX_ID)]
