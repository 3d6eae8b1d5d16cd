"""Maps domain errors and bad requests to MLflow's error JSON, in one place."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from workflow.errors import AlreadyExists, Conflict, Forbidden, InvalidInput, NotFound, QuorumError

log = logging.getLogger(__name__)

STATUS = {InvalidInput: 400, Forbidden: 403, NotFound: 404, AlreadyExists: 409, Conflict: 409}
# HTTP statuses that Starlette raises itself (unknown route, wrong method, ...), in MLflow's codes.
HTTP_CODES = {
    400: "INVALID_PARAMETER_VALUE",
    401: "UNAUTHENTICATED",
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


def install(app: FastAPI) -> None:
    """Register the handlers that turn every refusal into a 4xx with a machine-readable code."""

    @app.exception_handler(QuorumError)
    async def domain_error(_request: Request, exc: QuorumError) -> JSONResponse:
        return error_response(STATUS.get(type(exc), 400), exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            400, "INVALID_PARAMETER_VALUE", f"malformed request: {_describe(exc)}"
        )

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "INTERNAL_ERROR")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "INTERNAL_ERROR", "internal error; see the server log")
