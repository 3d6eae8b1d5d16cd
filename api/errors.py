"""Maps domain errors and bad requests to MLflow's error JSON, in one place."""

import logging
import math
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api.auth import login_wait
from api.runtime import runtime
from api.security_headers import HEADERS
from workflow import audit
from workflow.kernel.db import unit_of_work
from workflow.kernel.errors import (
    AlreadyExists,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    QuorumError,
    RateLimited,
    Unauthenticated,
)

log = logging.getLogger(__name__)

STATUS = {
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    AlreadyExists: 409,
    Conflict: 409,
    RateLimited: 429,
}
# HTTP statuses that Starlette raises itself (unknown route, wrong method, ...), in MLflow's codes.
HTTP_CODES = {
    400: "INVALID_PARAMETER_VALUE",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    405: "ENDPOINT_NOT_FOUND",
    413: "REQUEST_LIMIT_EXCEEDED",
    415: "INVALID_PARAMETER_VALUE",
}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """MLflow's error body: `{"error_code": ..., "message": ...}`."""
    return JSONResponse({"error_code": code, "message": message}, status_code=status)


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        parts.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def _record_denial(request: Request, exc: QuorumError) -> None:
    """Write a refused request to the audit log, in a transaction of its own: the request's
    own transaction was rolled back with everything else it tried."""
    actor = getattr(request.state, "actor", None)
    name = actor.name if actor else getattr(request.state, "claimed", None) or "anonymous"
    with unit_of_work(runtime(request).engine) as session:
        audit.record(
            session,
            actor=name,
            action="access.denied",
            subject_type="route",
            subject_id=f"{request.method} {request.url.path}"[:128],
            status=STATUS[type(exc)],
            reason=str(exc)[:500],
        )


def _wants_page(request: Request) -> bool:
    """A browser asking for a page (not the JSON API) gets its refusals as a page too."""
    api = request.url.path.startswith(("/api/", "/ajax-api/", "/health", "/openapi.json"))
    return not api and "text/html" in request.headers.get("accept", "")


def _page_message(request: Request, exc: HTTPException) -> str:
    """What a browser is told of a refusal the router made itself (its title names the status)."""
    if exc.status_code == 404:
        return f"There is no page at {request.url.path}."
    if exc.status_code == 405:
        return f"{request.url.path} does not answer a {request.method} request."
    return str(exc.detail)


def _headers(exc: QuorumError) -> dict[str, str] | None:
    if isinstance(exc, Unauthenticated):
        return {"WWW-Authenticate": 'Bearer realm="quorum"'}
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
    return None


def install(app: FastAPI, *, error_page: Callable[[Request, int, str], Response]) -> None:
    """Register the handlers that turn every refusal into a 4xx with a machine-readable code
    (for a browser, the page `error_page` renders)."""

    @app.exception_handler(QuorumError)
    async def domain_error(request: Request, exc: QuorumError) -> Response:
        # A wrong, expired or revoked credential and every refusal of a known caller are
        # audited; a request with no credential at all is not (crawlers would flood the log).
        # Wrong credentials share the sign-in throttle per client, so a flood of them is
        # answered 429 without writing to the log.
        presented = request.headers.get("authorization") or hasattr(request.state, "actor")
        if isinstance(exc, Unauthenticated) and presented:
            wait = await run_in_threadpool(login_wait, request)
            if wait is not None:
                exc = RateLimited("too many failed authentications", retry_after=wait)
        if isinstance(exc, Forbidden) or (isinstance(exc, Unauthenticated) and presented):
            await run_in_threadpool(_record_denial, request, exc)
        status = STATUS.get(type(exc), 400)
        if _wants_page(request):
            response = error_page(request, status, str(exc))
        else:
            response = error_response(status, exc.code, str(exc))
        response.headers.update(_headers(exc) or {})
        return response

    @app.exception_handler(DataError)
    async def unstorable(_request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the checks let through (a NUL character in a text
        # field, a number beyond its column); the transaction was rolled back, nothing changed.
        log.info("value refused by the database: %s", exc.orig)
        return error_response(
            400, "INVALID_PARAMETER_VALUE", "a value cannot be stored (out of range or a NUL)"
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            400, "INVALID_PARAMETER_VALUE", f"malformed request: {_describe(exc)}"
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_page(request):
            response = error_page(request, exc.status_code, _page_message(request, exc))
        else:
            code = HTTP_CODES.get(exc.status_code, "INTERNAL_ERROR")
            response = error_response(exc.status_code, code, str(exc.detail))
        response.headers.update(exc.headers or {})  # a 405's Allow among them
        return response

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        response = error_response(500, "INTERNAL_ERROR", "internal error; see the server log")
        # Starlette sends this answer from outside every middleware, SecurityHeaders included.
        response.headers.update(HEADERS)
        return response
