"""Refuses request bodies over the size limit, declared or streamed, before the app parses them."""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response


class BodySizeLimit:
    """ASGI middleware: a body over `max_bytes` (or its path's own limit in `per_path`) gets a
    413 REQUEST_LIMIT_EXCEEDED."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, per_path: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = per_path or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.per_path.get(scope["path"], self.max_bytes)
        message = f"request body is larger than {max_bytes} bytes"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
            response = error_response(413, "REQUEST_LIMIT_EXCEEDED", message)
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            # A chunked body declares no length: count it as it arrives.
            nonlocal received
            chunk = await receive()
            received += len(chunk.get("body", b""))
            if received > max_bytes:
                raise HTTPException(413, message)
            return chunk

        await self.app(scope, counting_receive, send)
