"""An item's history page in Chromium: a lead follows an item from its trace to its whole life,
oldest first; values and comments stay text; an annotator is refused; the layout holds from a
phone to a desktop."""

from pathlib import Path

from playwright.sync_api import expect

from tests.api.conftest import LiveServer
from tests.factories import LIMITS, propose, trace_json
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, sign_in
from tests.pages.test_items_pages import shoot
from tests.pages.test_security_headers import HOSTILE
from workflow import review, traces
from workflow.kernel.db import unit_of_work
from workflow.review.quorum_rule import Choice

CITIES = [("ann", "Paris"), ("bob", "Lyon"), ("cid", HOSTILE[1])]


def resolved_item(live: LiveServer) -> tuple[str, int]:
    """A dispute the committee resolved: three proposals, one of them hostile, two votes."""
    payload = trace_json()
    trace_id = payload["info"]["trace_id"]
    for reviewer in ("rev-a", "rev-b"):
        ensure_user(live.engine, reviewer, "reviewer")
    with unit_of_work(live.engine) as session:
        traces.register_traces(session, payloads=[payload], actor="page-tests")
        review.set_committee(session, scope="default", members=["rev-a", "rev-b"], actor="test")
        for annotator, value in CITIES:
            item_id = propose(session, trace_id, annotator, value, name="expected_city")
    live.drain()
    with unit_of_work(live.engine) as session:
        for reviewer, comment in (("rev-a", HOSTILE[0]), ("rev-b", "the ticket says Lyon")):
            request = review.VoteRequest(choice=Choice.VALUE, value="Lyon", comment=comment)
            review.cast_vote(
                session, item_id=item_id, reviewer_id=reviewer, request=request, limits=LIMITS
            )
    live.drain()
    return trace_id, item_id


def test_a_lead_reads_an_items_whole_life_and_an_annotator_is_refused(
    live, browser_page: BrowserPage, artifacts: Path
):
    trace_id, item_id = resolved_item(live)
    page = browser_page.page
    ensure_user(live.engine, "lena", "lead", password=PASSWORD)
    sign_in(browser_page, live, "lena")
    page.goto(f"{live.url}/traces/{trace_id}")
    with page.expect_navigation():
        page.get_by_role("link", name="History of expected_city").click()
    assert page.url.endswith(f"/items/{item_id}/history")

    events = page.locator("ol.timeline li.event")
    said = [" ".join(text.split()) for text in events.locator(".what").all_inner_texts()]
    assert said == [
        "ann proposed",
        "bob proposed",
        "cid proposed",
        "quorum:auto found a dispute (quorum.text.text_medoid)",
        "quorum:pipeline moved the item: collecting → evaluating",
        "quorum:pipeline moved the item: evaluating → disputed",
        "quorum:pipeline moved the item: disputed → in_review",
        "quorum:committee opened a review round 1: rev-a, rev-b",
        "rev-a voted in round 1: value",
        "rev-b voted in round 1: value",
        "quorum:committee resolved it (quorum.committee.strict_majority)",
        "quorum:committee moved the item: in_review → resolved",
        "quorum:committee promoted a canonical expectation (the current one)",
        "quorum:pipeline moved the item: resolved → promoted",
    ]
    expect(events.filter(has_text="rev-b voted")).to_contain_text("the ticket says Lyon")
    dispute = events.filter(has_text="found a dispute")
    expect(dispute).to_contain_text("The leading value, short of agreement:")
    # Hostile values and comments are shown as the text they are.
    expect(events.filter(has_text="cid proposed").locator("pre")).to_contain_text(HOSTILE[1])
    expect(events.filter(has_text="rev-a voted")).to_contain_text(HOSTILE[0])
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main img, main svg, main script").count() == 0
    shoot(page, artifacts, "item-history")

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    ensure_user(live.engine, "anna", "annotator", password=PASSWORD)
    sign_in(browser_page, live, "anna")
    refused = page.goto(f"{live.url}/items/{item_id}/history")
    assert refused is not None and refused.status == 403
    page.goto(f"{live.url}/traces/{trace_id}")
    expect(page.get_by_role("link", name="History of expected_city")).to_have_count(0)
    assert browser_page.violations() == []
