"""The API reference at /docs: vendored Swagger UI in Chromium, within the CSP, over the
/openapi.json that a signed-in page may read as well as a token."""

import re
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.api.conftest import LiveServer
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, assert_accessible, open_page
from tests.pages.test_sign_in import sign_in_over_http


def test_the_api_reference_lists_the_operations_within_the_csp(
    live: LiveServer, browser_page: BrowserPage, artifacts: Path
):
    page = browser_page.page
    page.set_viewport_size({"width": 1280, "height": 900})
    open_page(browser_page, live, "/docs")
    me = page.locator(".opblock-get", has_text="/api/v1/me").first
    expect(me).to_be_visible()
    me.locator(".opblock-summary").click()  # one operation opened, its answer described
    expect(page.locator(".opblock-body .responses-wrapper").first).to_be_visible()
    assert page.locator(".opblock").count() > 30  # every route of the description
    assert page.locator(".opblock-post", has_text="/api/v1/imports/expectations").count() == 1
    page.screenshot(path=artifacts / "docs.png")
    me.screenshot(path=artifacts / "docs-me.png")
    # Our frame and text around it; #swagger-ui, the vendored Swagger UI's own markup (its
    # colours, landmarks and headings), is third-party and left out of the check.
    assert_accessible(page, exclude=["#swagger-ui"])
    assert browser_page.violations() == []
    assert browser_page.console_errors == []


def test_a_signed_in_page_reads_the_description_and_nobody_else(live: LiveServer):
    ensure_user(live.engine, "pat", "annotator", password=PASSWORD)
    assert httpx.get(f"{live.url}/openapi.json").status_code == 401
    stale = httpx.get(f"{live.url}/openapi.json", cookies={"quorum_session": "x" * 40})
    assert stale.status_code == 401
    with httpx.Client(base_url=live.url) as browser:
        sign_in_over_http(browser, "pat", PASSWORD)
        described = browser.get("/openapi.json")
        assert described.status_code == 200
        assert "/api/v1/me" in described.json()["paths"]
        docs = browser.get("/docs")
        assert docs.status_code == 200
        assert re.search(r'<script src="/static/api-docs.js"', docs.text)
    # The reference itself is a page: nobody signed in is sent to sign in first.
    anonymous = httpx.get(f"{live.url}/docs")
    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/login?next=%2Fdocs")
