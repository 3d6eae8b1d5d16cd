"""The one-hop request boundary of the hot write routes: authenticate, work and commit in a
single trip to a worker thread."""

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth import admit
from workflow import outbox
from workflow.access import Actor, Permission
from workflow.db import unit_of_work

T = TypeVar("T")


async def in_one_hop(
    request: Request, needed: tuple[Permission, ...], work: Callable[[Session, Actor], T]
) -> T:
    """Run `work` as the caller, refused unless they hold one of `needed`, and commit; roll
    back if anything raised.

    The dependency style (an auth dependency, the route, the commit) takes three thread hops;
    on the proposal route one hop instead cut the request's CPU from 5.5 to 4.1 ms (medians,
    measured through the ASGI app), so the routes every annotator calls take one. FastAPI checks
    the body's shape before this runs, so a malformed body is refused before the credential
    is looked at; nothing is read or written for it either way.
    """
    state = request.app.state

    def hop() -> tuple[T, bool]:
        with unit_of_work(state.engine) as session:
            result = work(session, admit(request, session, needed))
        return result, outbox.enqueued(session)

    result, enqueued = await run_in_threadpool(hop)
    if enqueued:
        state.relay.kick()
    return result
