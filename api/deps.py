"""Typed dependencies: the request's unit of work, limits and settings."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from workflow import outbox
from workflow.db import unit_of_work
from workflow.settings import Settings
from workflow.values import ValueLimits


def _session(request: Request) -> Iterator[Session]:
    state = request.app.state
    # The request boundary: commit when the route returns, then wake the outbox relay if the
    # request wrote work for it (most reads and two of three proposals do not).
    with unit_of_work(state.engine) as session:
        yield session
    if outbox.enqueued(session):
        state.relay.kick()


def _limits(request: Request) -> ValueLimits:
    return request.app.state.limits


def _settings(request: Request) -> Settings:
    return request.app.state.settings


# scope="function": commit before the response is sent, so a 2xx always means "stored".
SessionDep = Annotated[Session, Depends(_session, scope="function")]
LimitsDep = Annotated[ValueLimits, Depends(_limits)]
SettingsDep = Annotated[Settings, Depends(_settings)]
