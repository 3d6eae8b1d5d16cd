"""The webhook pages in Chromium: an admin adds an endpoint (an inward address is refused with
the reason, the URL kept), copies its secret from the one page that shows it, sends a test
message that a real receiver verifies with it, reads the delivery and its attempt, and
redelivers it with the same webhook-id."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.api.conftest import LiveServer
from tests.api.webhook_receiver import receiver
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, assert_accessible, sign_in
from tests.pages.test_items_pages import shoot


@pytest.fixture(scope="module")
def live_server(engine) -> Iterator[LiveServer]:
    """The module's server, allowed to send webhooks to loopback (where the receiver is)."""
    with LiveServer(engine, webhook_allow=["127.0.0.0/8"]) as server:
        yield server


def test_an_admin_adds_an_endpoint_tests_it_and_redelivers(
    live, browser_page: BrowserPage, artifacts: Path
):
    ensure_user(live.engine, "hooks-admin", "admin", password=PASSWORD)
    page = browser_page.page
    sign_in(browser_page, live, "hooks-admin")
    page.goto(f"{live.url}/webhooks")
    form = page.locator("form[action='/webhooks']")
    form.get_by_label("URL").fill("http://10.0.0.7/hook")
    with page.expect_navigation() as refused:
        form.get_by_role("button", name="Add endpoint").click()
    assert refused.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("resolves to 10.0.0.7")
    expect(page.get_by_label("URL")).to_have_value("http://10.0.0.7/hook")
    assert_accessible(page)
    shoot(page, artifacts, "webhooks-refused")

    with receiver() as hook:
        page.get_by_label("URL").fill(hook.url)
        page.get_by_label("review.vote_needed").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Add endpoint").click()
        expect(page.get_by_role("status")).to_contain_text("it is not shown again")
        secret = page.get_by_label("Signing secret").input_value()
        assert secret.startswith("whsec_")
        hook.secrets.append(secret)
        shoot(page, artifacts, "webhook-secret")
        with page.expect_navigation():
            page.get_by_role("link", name="The endpoint and its deliveries").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Send a test message").click()
        live.drain()
        page.reload()
        delivery = page.locator("ol.deliveries li").first
        expect(delivery).to_contain_text("delivered")
        delivery.locator("summary").click()
        expect(delivery.locator("table")).to_contain_text("200")
        assert_accessible(page)
        shoot(page, artifacts, "webhook-deliveries")
        with page.expect_navigation():
            delivery.get_by_role("button", name="Redeliver").click()
        expect(page.get_by_role("status")).to_contain_text("same webhook-id")
        live.drain()
    assert len(hook.got) == 2 and len(set(hook.ids())) == 1
    assert all(r.verified[secret] for r in hook.got)
    assert browser_page.violations() == []
