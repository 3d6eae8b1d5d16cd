"""The items list and the items on a trace page, in Chromium: a lead filters, follows an item to
its trace and sees its state, decision and votes; an annotator sees none of others' work; the
layout holds from a phone's 390 px to a desktop."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.api.conftest import LiveServer
from tests.factories import LIMITS, propose, trace_json
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, assert_accessible, sign_in
from workflow import review, traces
from workflow.kernel.db import unit_of_work
from workflow.review.quorum_rule import Choice

DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 800, "height": 1000}
PHONE = {"width": 390, "height": 844}


def seed(live: LiveServer) -> tuple[str, int, int]:
    """A trace with a promoted item and an item in review with one vote of two."""
    payload = trace_json()
    trace_id = payload["info"]["trace_id"]
    for reviewer in ("rev-a", "rev-b"):
        ensure_user(live.engine, reviewer, "reviewer")
    with unit_of_work(live.engine) as session:
        traces.register_traces(session, payloads=[payload], actor="page-tests")
        review.set_committee(session, scope="default", members=["rev-a", "rev-b"], actor="test")
        for annotator in ("ann", "bob", "cid"):
            promoted = propose(session, trace_id, annotator, "Paris", name="expected_answer")
        for annotator, value in [("ann", "Paris"), ("bob", "Lyon"), ("cid", "Nice")]:
            in_review = propose(session, trace_id, annotator, value, name="expected_city")
    live.drain()
    with unit_of_work(live.engine) as session:
        request = review.VoteRequest(choice=Choice.VALUE, value="Lyon", comment="the source")
        review.cast_vote(
            session, item_id=in_review, reviewer_id="rev-a", request=request, limits=LIMITS
        )
    live.drain()
    return trace_id, promoted, in_review


def sign_in_as(browser_page: BrowserPage, live: LiveServer, username: str, role: str) -> None:
    ensure_user(live.engine, username, role, password=PASSWORD)
    sign_in(browser_page, live, username)


def shoot(page: Page, artifacts: Path, name: str) -> None:
    """A full-page screenshot at desktop, tablet and phone width; none may scroll sideways, and
    axe finds nothing serious at any of them (a table may scroll in its frame only at one)."""
    for label, size in (("desktop", DESKTOP), ("tablet", TABLET), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"{name}-{label}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow} px too wide at {label} width"
        assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def test_a_lead_filters_items_and_reads_an_items_decision_and_votes(
    live, browser_page: BrowserPage, artifacts: Path
):
    trace_id, promoted, in_review = seed(live)
    page = browser_page.page
    sign_in_as(browser_page, live, "lena", "lead")

    page.get_by_role("link", name="Items", exact=True).click()
    page.wait_for_url("**/items")
    rows = page.locator("table.cards tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("columnheader", name="Proposals")).to_be_visible()
    shoot(page, artifacts, "items")

    # The filter form is a plain GET form: every control is labelled, no script needed.
    page.get_by_label("State").select_option("in_review")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    assert parse_qs(urlsplit(page.url).query)["state"] == ["in_review"]
    expect(page.get_by_label("State")).to_have_value("in_review")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("disputed (auto)")
    expect(rows.first.locator('td[data-label="Proposals"]')).to_have_text("3")
    assert_accessible(page)  # the filtered list

    page.get_by_role("link", name=f"#{in_review} expected_city").click()
    page.wait_for_url(f"**/traces/{trace_id}#item-{in_review}")
    disputed = page.locator(f"#item-{in_review}")
    expect(disputed).to_contain_text("in_review, review round 1")
    expect(disputed).to_contain_text("disputed (auto)")
    votes = disputed.get_by_role("table")
    expect(votes.get_by_role("row")).to_have_count(2)  # the header and rev-a's vote
    expect(votes).to_contain_text("rev-a")
    expect(votes).to_contain_text("value")
    agreed = page.locator(f"#item-{promoted}")
    expect(agreed).to_contain_text("promoted")
    expect(agreed).to_contain_text("agreed (auto)")
    expect(agreed.locator("pre")).to_have_text('"Paris"')
    expect(agreed.get_by_role("table")).to_have_count(0)  # never reviewed: no votes table
    shoot(page, artifacts, "trace")

    assert browser_page.violations() == []
    assert browser_page.console_errors == []


def test_an_annotator_sees_states_but_no_counts_votes_or_open_values(
    live, browser_page: BrowserPage, artifacts: Path
):
    trace_id, promoted, in_review = seed(live)
    page = browser_page.page
    sign_in_as(browser_page, live, "ann", "annotator")

    page.goto(live.url + "/items")
    expect(page.locator("table.cards tbody tr")).to_have_count(2)
    expect(page.get_by_role("columnheader", name="Proposals")).to_have_count(0)
    assert_accessible(page)

    page.goto(f"{live.url}/traces/{trace_id}")
    disputed = page.locator(f"#item-{in_review}")
    expect(disputed).to_contain_text("in_review")
    expect(disputed).to_contain_text("shown once the item is promoted")
    expect(disputed.get_by_role("table")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("rev-a")
    expect(page.locator(f"#item-{promoted} pre")).to_have_text('"Paris"')  # canonical: public
    shoot(page, artifacts, "trace-annotator")
    assert browser_page.violations() == []
    assert browser_page.console_errors == []


def test_the_next_page_link_keeps_the_filters(live, browser_page: BrowserPage):
    payload = trace_json()
    trace_id = payload["info"]["trace_id"]
    with unit_of_work(live.engine) as session:
        traces.register_traces(session, payloads=[payload], actor="page-tests")
        made = [propose(session, trace_id, "ann", "x", name=f"n{i:02}") for i in range(51)]
    page = browser_page.page
    sign_in_as(browser_page, live, "lena", "lead")

    page.goto(f"{live.url}/items?state=collecting&name=&campaign_id=&trace_id={trace_id}")
    rows = page.locator("table.cards tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text(f"#{made[-1]} n50")
    page.get_by_role("link", name="Next page").click()
    page.wait_for_load_state()
    query = parse_qs(urlsplit(page.url).query)
    assert (query["state"], query["trace_id"], "name" in query) == (
        ["collecting"],
        [trace_id],
        False,
    )
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"#{made[0]} n00")
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
