"""Who is calling: API tokens (Bearer, or HTTP Basic as MLflow's client sends them), permission
checks per route, and the per-user write rate limit."""

import base64
import binascii
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep
from api.runtime import runtime
from workflow.identity import tokens
from workflow.identity.access import Actor, Permission
from workflow.kernel.errors import Forbidden, RateLimited, Unauthenticated

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def credential(request: Request) -> tuple[str, str | None]:
    """The token in the Authorization header and, for Basic, the user name it claims."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value, None
    if scheme.lower() == "basic" and value:
        try:
            username, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("malformed Basic credentials") from None
        request.state.claimed = username[:256]
        return secret, username
    raise Unauthenticated(
        "an API token is required: Authorization: Bearer <token> (MLFLOW_TRACKING_TOKEN),"
        " or Basic with the user name and the token as password"
    )


def admit(request: Request, session: Session, needed: tuple[Permission, ...]) -> Actor:
    """Authenticate, count a write against the caller's rate, then refuse the caller unless
    they hold one of `needed` (none: any caller). Does I/O: call it from a worker thread."""
    secret, username = credential(request)
    actor = tokens.authenticate(session, secret=secret, username=username)
    request.state.actor = actor
    if request.method not in SAFE_METHODS:
        wait = runtime(request).write_rate.hit(actor.name)
        if wait is not None:
            raise RateLimited(f"too many writes by {actor.name}", retry_after=wait)
    if needed and actor.permissions.isdisjoint(needed):
        raise Forbidden(f"this needs the {' or '.join(needed)} permission")
    return actor


def requires(*needed: Permission) -> Any:
    """A dependency giving the calling actor, refused unless they hold one of `needed`."""

    async def dependency(request: Request, session: SessionDep) -> Actor:
        return await run_in_threadpool(admit, request, session, needed)

    return Depends(dependency)


WRITE = (Permission.ANNOTATE, Permission.IMPORT)
Reader = Annotated[Actor, requires(Permission.READ)]
Writer = Annotated[Actor, requires(*WRITE)]
Reviewer = Annotated[Actor, requires(Permission.REVIEW)]
Manager = Annotated[Actor, requires(Permission.MANAGE)]
Importer = Annotated[Actor, requires(Permission.IMPORT)]
Admin = Annotated[Actor, requires(Permission.ADMIN)]
Anyone = Annotated[Actor, requires()]


def login_wait(request: Request, username: str | None = None) -> float | None:
    """Seconds before this client (and this user name, if given) may try a credential again;
    None: now. Passwords and API tokens draw on one budget per client."""
    limiter = runtime(request).login_rate
    client = request.client.host if request.client else "unknown"
    keys = [f"login:client:{client}"] + ([f"login:user:{username}"] if username else [])
    waits = [limiter.hit(key) for key in keys]
    return max((wait for wait in waits if wait is not None), default=None)
