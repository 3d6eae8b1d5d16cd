"""The email pages in Chromium, in embedded mode (no SMTP: emails go to a folder): an admin
reads the committee's vote-needed emails on /admin/emails and what the folder copy says; a
reviewer chooses a daily digest with the keyboard, and a refused address changes nothing; the
unsubscribe link opens without a sign-in and one button stops that type."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.api.conftest import LiveServer, split_item
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, assert_accessible, sign_in
from tests.pages.test_items_pages import shoot
from workflow import mail, review
from workflow.identity import users
from workflow.kernel.db import unit_of_work
from workflow.mail.unsubscribe import token

MEMBERS = ("mail-rev1", "mail-rev2")


@pytest.fixture(scope="module")
def live_server(engine, tmp_path_factory) -> Iterator[LiveServer]:
    """The module's server, its emails written to a folder of its own."""
    with LiveServer(engine, email_dir=tmp_path_factory.mktemp("mail")) as server:
        yield server


def member(live: LiveServer, name: str, address: str | None = None) -> None:
    ensure_user(live.engine, name, "reviewer", password=PASSWORD)
    with unit_of_work(live.engine) as session:
        users.update_user(session, username=name, actor="t", email=address or "")


def dispute(live: LiveServer) -> int:
    """An item the committee's members are asked to vote on."""
    for name in MEMBERS:
        member(live, name, f"{name}@example.com")
    with unit_of_work(live.engine) as session:
        review.set_committee(session, scope="default", members=list(MEMBERS), actor="t")
    return split_item(live)


def test_an_admin_reads_the_emails_the_folder_holds(
    live, browser_page: BrowserPage, artifacts: Path
):
    item_id = dispute(live)
    page = browser_page.page
    sign_in(browser_page, live, "mail-admin")
    page.goto(f"{live.url}/admin/emails")
    expect(page.locator("p.notice")).to_contain_text("written to")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Your vote is needed")
    expect(rows.first).to_contain_text("sent")
    shoot(page, artifacts, "admin-emails")
    with page.expect_navigation():
        rows.first.get_by_role("link").click()
    expect(page.locator("pre.letter")).to_contain_text(f"/review/items/{item_id}")
    expect(page.locator("dl.facts").last).to_contain_text("List-Unsubscribe")
    shoot(page, artifacts, "admin-email")
    download = page.get_by_role("link", name="Download the .eml").get_attribute("href")
    copy = page.request.get(live.url + download)
    assert copy.ok and copy.headers["content-type"] == "message/rfc822"
    assert b"Content-Type: text/html" in copy.body()
    assert browser_page.violations() == [] and browser_page.console_errors == []


def test_a_reviewer_chooses_a_digest_with_the_keyboard(
    live, browser_page: BrowserPage, artifacts: Path
):
    member(live, "pref-rev")
    page = browser_page.page
    sign_in(browser_page, live, "pref-rev")
    page.goto(f"{live.url}/settings/notifications")
    page.get_by_label("Email address").fill("pref@example.com")
    needed = page.get_by_role("group", name="Your vote is needed")
    needed.get_by_label("Immediately").focus()
    page.keyboard.press("ArrowRight")  # a radio group moves its choice with the arrows
    expect(needed.get_by_label("Daily digest")).to_be_checked()
    page.get_by_role("button", name="Save").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_label("Email address")).to_have_value("pref@example.com")
    shoot(page, artifacts, "notifications")
    with Session(live.engine) as session:
        saved = mail.preferences_of(session, "pref-rev")
    assert (saved.address, saved.mode("review.vote_needed")) == ("pref@example.com", "digest")

    page.get_by_label("Email address").fill("pref@localhost")  # the browser's check passes it
    page.get_by_role("group", name="Annotators agreed").get_by_label("Immediately").check()
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Save").click()
    assert refused.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("is not an email address")
    assert_accessible(page)
    with Session(live.engine) as session:
        assert mail.preferences_of(session, "pref-rev") == saved  # nothing changed


def test_the_unsubscribe_link_needs_no_sign_in(live, browser_page: BrowserPage, artifacts: Path):
    member(live, "unsub-rev", "unsub@example.com")
    signed = token(live.app.state.runtime.settings.secret_key, "unsub-rev", "review.vote_needed")
    page = browser_page.page
    page.goto(f"{live.url}/email/unsubscribe/{signed}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    expect(page.locator("main")).to_contain_text("Your vote is needed")
    shoot(page, artifacts, "unsubscribe")
    with page.expect_navigation():
        page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("status")).to_contain_text("no more")
    assert_accessible(page)
    with Session(live.engine) as session:
        assert mail.preferences_of(session, "unsub-rev").mode("review.vote_needed") == "off"
    forged = page.goto(f"{live.url}/email/unsubscribe/{signed[:-4]}abcd")
    assert forged is not None and forged.status == 400
    expect(page.locator("main")).to_contain_text("not one Quorum made")
