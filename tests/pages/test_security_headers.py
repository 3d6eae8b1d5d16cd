"""Hardening headers on every response, and in Chromium: hostile trace text stays inert text."""

import asyncio
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.security_headers import CONTENT_SECURITY_POLICY, HEADERS, SecurityHeaders
from tests.api.conftest import LiveServer
from tests.factories import ROOT_SPAN, b64, trace_json
from tests.pages.conftest import open_page
from workflow import traces

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HOSTILE = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '<a href="javascript:window.__pwned=1">x</a>',
    '"><svg onload=window.__pwned=1>',
)
EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# What markup smuggled past the escaping would try: handlers, a script element, a javascript: link.
INJECT = """(values) => {
  const box = document.createElement("div");
  document.body.append(box);
  for (const value of values) box.insertAdjacentHTML("beforeend", value);
  const script = document.createElement("script");
  script.textContent = "window.__pwned = 1";
  document.body.append(script);
  box.querySelector('a[href^="javascript:"]').click();
}"""


def hostile_trace() -> dict[str, Any]:
    """A trace whose request, response, span names and span inputs are all markup."""
    trace = trace_json()
    info = trace["info"]
    info["request_preview"] = json.dumps({"q": " ".join(HOSTILE)})
    info["response_preview"] = " ".join(HOSTILE)
    info["tags"]["mlflow.traceName"] = HOSTILE[0]
    spans = trace["data"]["spans"]
    for extra in ("00000000000000a1", "00000000000000a2"):
        spans.append({**spans[1], "span_id": b64(extra), "parent_span_id": b64(ROOT_SPAN)})
    for span, value in zip(spans, HOSTILE, strict=True):
        span["name"] = value
        span["attributes"] = {
            "mlflow.spanInputs": json.dumps({"q": value}),
            "mlflow.spanOutputs": json.dumps(value),
        }
    return trace


def register_hostile(live: LiveServer) -> str:
    """Store the hostile trace through the service (the data, not the API, is under test here)."""
    trace = hostile_trace()
    with Session(live.app.state.runtime.engine) as session:
        traces.register_traces(session, payloads=[trace], actor="page-tests")
        session.commit()
    return trace["info"]["trace_id"]


def assert_hardened(response: httpx.Response) -> None:
    """Each header once, with our value; pages (only) are never cached."""
    for name, value in EXPECTED.items():
        assert response.headers.get_list(name) == [value], (response.url, name)
    html = response.headers.get("content-type", "").startswith("text/html")
    assert response.headers.get_list("Cache-Control") == (["no-store"] if html else [])


def assert_inert(page: Page) -> None:
    """Nothing from the values ran or became an element."""
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script, svg, img, [onerror], [onload]").count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0


def test_every_page_and_json_response_carries_the_headers(live, http):
    trace_id = register_hostile(live)
    paths = [
        "/",
        f"/traces/{trace_id}",
        "/api/v1/traces",
        f"/api/v1/traces/{trace_id}",
        f"/api/3.0/mlflow/traces/{trace_id}",
        "/health",
        "/openapi.json",
        "/static/quorum.css",
        "/api/v1/traces/tr-00000000000000000000000000000000",
        "/no-such-page",
    ]
    for path in paths:
        assert_hardened(http.get(path))
    assert_hardened(http.post("/api/v1/traces", json=trace_json()))
    assert_hardened(
        http.post("/api/v1/traces", content=b"{", headers={"content-type": "application/json"})
    )
    assert http.get("/openapi.json").json()["info"]["title"] == "Quorum"
    assert http.get("/redoc").status_code == 404  # FastAPI's own; /docs is a page of ours


def sent_by(inner: ASGIApp, scope_type: str = "http") -> list[Message]:
    """What `SecurityHeaders(inner)` sends for one request."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": scope_type, "method": "GET", "path": "/", "headers": []}
    # In a thread of its own: the browser fixture's event loop is running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, SecurityHeaders(inner)(scope, receive, send)).result()
    return sent


def answering(**start: Any) -> ASGIApp:
    """A bare ASGI app that starts its response with `start` and sends an empty body."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, **start})
        await send({"type": "http.response.body", "body": b""})

    return app


def header_values(start: Message, name: str) -> list[str]:
    """Every value sent under `name`, however the sender spelt it."""
    return [v.decode() for n, v in start["headers"] if n.decode().lower() == name]


def test_a_header_the_app_set_itself_is_kept_and_not_duplicated():
    own = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"X-Frame-Options", b"SAMEORIGIN"),
        (b"cache-control", b"private, max-age=60"),
    ]
    start, _body = sent_by(answering(headers=own))
    assert header_values(start, "x-frame-options") == ["SAMEORIGIN"]
    assert header_values(start, "cache-control") == ["private, max-age=60"]
    assert header_values(start, "content-security-policy") == [CONTENT_SECURITY_POLICY]


def test_a_response_without_headers_gets_them_all_and_only_html_is_not_cached():
    start, _body = sent_by(answering())
    assert {n.decode(): v.decode() for n, v in start["headers"]} == HEADERS
    start, _body = sent_by(answering(headers=[(b"content-type", b"Text/HTML; charset=utf-8")]))
    assert header_values(start, "cache-control") == ["no-store"]


def test_other_scopes_pass_through_untouched():
    passed: list[str] = []

    async def lifespan_app(scope: Scope, receive: Receive, send: Send) -> None:
        passed.append(scope["type"])
        await send({"type": "lifespan.startup.complete"})

    assert sent_by(lifespan_app, "lifespan") == [{"type": "lifespan.startup.complete"}]
    assert passed == ["lifespan"]


@pytest.mark.parametrize("template", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_templates_hold_no_inline_style_or_script(template: Path):
    text = template.read_text()
    assert not re.search(r"<style|\sstyle\s*=|<script(?![^>]*\bsrc=)|\son[a-z]+\s*=", text, re.I)


def test_hostile_trace_text_shows_as_text_and_runs_nothing(live, browser_page):
    trace_id = register_hostile(live)
    page = browser_page.page
    for path in ("/", f"/traces/{trace_id}"):
        response = open_page(browser_page, live, path)
        assert response.headers["content-security-policy"] == EXPECTED["Content-Security-Policy"]
        assert_inert(page)
        # The page itself lives within the policy: its stylesheet loads, nothing is refused.
        assert page.evaluate("document.styleSheets[0].cssRules.length") > 10
        assert browser_page.violations() == []
    # The trace page (open last) names its spans: each value is there as plain, visible text.
    text = page.locator("main").inner_text()
    for value in HOSTILE:
        assert value in text
        expect(page.get_by_role("cell", name=value, exact=True).first).to_be_visible()
    assert browser_page.console_errors == []


def test_the_policy_refuses_markup_that_got_past_the_escaping(live, browser_page):
    page = browser_page.page
    # Control: without the policy the same injection does run, so the test can see a failure.
    page.set_content("<main></main>")
    page.evaluate(INJECT, list(HOSTILE))
    page.wait_for_function("window.__pwned === 1")

    trace_id = register_hostile(live)
    open_page(browser_page, live, f"/traces/{trace_id}")
    page.evaluate(INJECT, list(HOSTILE))
    page.wait_for_function("window.__cspViolations.length >= 4")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # Two handlers (onerror, onload), then the script element and the javascript: link.
    directives = sorted(violation["directive"] for violation in browser_page.violations())
    assert directives == ["script-src-attr"] * 2 + ["script-src-elem"] * 2
    refused = [line for line in browser_page.console_errors if "Content Security Policy" in line]
    assert refused, browser_page.console_errors


def test_a_server_error_carries_the_headers_too():
    from fastapi.testclient import TestClient

    from api.app import create_app
    from workflow.kernel.settings import Settings

    app = create_app(Settings(database_url="sqlite://"))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    # No lifespan (no `with`): the route needs no database, and this one has no tables.
    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.json()["error_code"] == "INTERNAL_ERROR"
    for name, value in EXPECTED.items():
        assert response.headers.get_list(name) == [value], name
