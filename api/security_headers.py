"""Adds the browser-hardening headers (CSP, framing, sniffing, referrer) to every HTTP response."""

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No 'unsafe-inline' anywhere: markup that slipped past autoescaping still cannot run or restyle.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
# Pages show data behind a sign-in: no shared or back-button cache may keep a copy.
HTML_HEADERS = {"cache-control": "no-store"}


def _raw(headers: dict[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((name.encode(), value.encode()) for name, value in headers.items())


RAW_HEADERS, RAW_HTML_HEADERS = _raw(HEADERS), _raw(HTML_HEADERS)


class SecurityHeaders:
    """ASGI middleware: sets each hardening header the app did not set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _hardened(message.get("headers", ()))}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _hardened(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The app's headers plus ours; the app may spell names in any case (ASGI allows it)."""
    headers = list(headers)
    present = {name.lower(): value for name, value in headers}
    media_type = present.get(b"content-type", b"").split(b";")[0].strip().lower()
    ours = RAW_HEADERS + (RAW_HTML_HEADERS if media_type == b"text/html" else ())
    return headers + [(name, value) for name, value in ours if name not in present]
