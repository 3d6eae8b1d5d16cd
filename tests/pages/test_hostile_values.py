"""Hostile values typed by users stay inert text on every page: assessments on a trace, items
and their decisions, token names, the audit log (a hostile user name at sign-in), the sign-in
page's own fields."""

import httpx
from playwright.sync_api import Page, expect

from tests.pages.conftest import BrowserPage, assert_accessible, open_page, sign_in
from tests.pages.test_security_headers import HOSTILE, assert_inert, register_hostile

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 800}


def assert_accessible_on_a_phone_and_a_desktop(page: Page) -> None:
    """axe at both widths: a table that fits a desktop may scroll in its own frame on a phone."""
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert_accessible(page)


def log_hostile_assessments(live, trace_id: str) -> None:
    """As an importer: names, values, rationales and source ids made of markup, and three
    experts agreeing on markup under a name of markup (a promoted decision made of it)."""
    route = f"{live.url}/api/3.0/mlflow/traces/{trace_id}/assessments"
    headers = {"Authorization": f"Bearer {live.token}"}
    bodies = [
        {
            "assessment": {
                "assessment_name": f"name {value}",
                "source": {"source_type": "HUMAN", "source_id": f"expert{index}{value}"},
                "expectation": {"value": {"answer": value, "list": [value]}},
                "rationale": value,
                "metadata": {"note": value},
            }
        }
        for index, value in enumerate(HOSTILE)
    ]
    bodies += [
        {
            "assessment": {
                "assessment_name": f"decided {HOSTILE[1]}",
                "source": {"source_type": "HUMAN", "source_id": expert},
                "expectation": {"value": {"answer": HOSTILE[0]}},
            }
        }
        for expert in ("agree1", "agree2", "agree3")
    ]
    for body in bodies:
        response = httpx.post(route, json=body, headers=headers)
        assert response.status_code == 200, response.text
    live.drain()


def test_every_page_shows_hostile_values_as_text_and_runs_nothing(live, browser_page: BrowserPage):
    trace_id = register_hostile(live)
    log_hostile_assessments(live, trace_id)
    page = browser_page.page

    # The sign-in page echoes nothing typed, and a hostile user name lands in the audit log.
    page.goto(live.url + "/login?next=" + HOSTILE[3])
    assert_inert(page)
    assert_accessible_on_a_phone_and_a_desktop(page)
    page.fill("#username", HOSTILE[0])
    page.fill("#password", HOSTILE[1])
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert_inert(page)
    assert_accessible(page)  # the refusal shown on the sign-in page
    assert browser_page.console_errors == [
        "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    ]  # the refused sign-in itself; nothing else may reach the console from here on
    browser_page.console_errors.clear()

    sign_in(browser_page, live, "viewer")
    page.goto(live.url + "/tokens")
    for value in HOSTILE:
        page.fill("#name", value[:120])
        with page.expect_navigation():
            page.click("text=Create token")
        assert_inert(page)

    # Each page, and whether a hostile value reaches it (user names cannot hold markup).
    for path, shown in [
        ("/", False),
        (f"/traces/{trace_id}", True),
        ("/items", True),
        ("/tokens", True),
        ("/admin/audit", True),
        ("/admin/users", False),
    ]:
        open_page(browser_page, live, path)
        assert_inert(page)
        assert (HOSTILE[0] in page.locator("main").inner_text()) == shown, path
        assert_accessible_on_a_phone_and_a_desktop(page)
    # The decision made of markup is there, promoted, as text.
    open_page(browser_page, live, f"/traces/{trace_id}")
    decided = page.locator("section.item", has_text="decided")
    expect(decided.locator("dd").first).to_have_text("promoted")  # the state
    assert "window.__pwned=1" in decided.locator("pre").inner_text()
    assert_inert(page)
    assert browser_page.violations() == []
    assert browser_page.console_errors == []
