"""The reviewer's pages in Chromium: a committee member finds a disputed structured item in
their queue, reads the proposals side by side with the engine's field-by-field breakdown,
writes a corrected value with the schema's generated form; a second member votes, from the
keyboard, for the proposal that holds the same value; the item resolves and its canonical
expectation reads back through the mlflow client. A value the schema refuses is shown again
with nothing stored; a reviewer off the committee is refused; hostile values stay text."""

from pathlib import Path

import mlflow
from playwright.sync_api import Page, expect
from sqlmodel import select

from tests.api.conftest import LiveServer
from tests.factories import LIMITS, TAGGED_TICKET, human, trace_json
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, assert_accessible, sign_in
from tests.pages.test_items_pages import shoot
from tests.pages.test_security_headers import HOSTILE
from workflow import assessments, review, traces
from workflow.identity.access import trusted
from workflow.items import label_schemas
from workflow.kernel.db import unit_of_work
from workflow.models import Assessment, Vote

# The shared ticket without its tags: an intent and a priority.
TICKET = {**TAGGED_TICKET, "fields": TAGGED_TICKET["fields"][:2]}
# The intent is agreed; the priority is what the committee has to settle.
PROPOSED = [("ann", 1, "Asked twice."), ("bob", 3, HOSTILE[1]), ("cid", 2, None)]
COMMITTEE = ["rev-a", "rev-b", "rev-c"]


def disputed_ticket(live: LiveServer) -> tuple[str, int]:
    proposed = [
        (annotator, {"intent": "refund", "priority": priority}, rationale)
        for annotator, priority, rationale in PROPOSED
    ]
    return disputed(live, TICKET, proposed)


def disputed(
    live: LiveServer, spec: dict, proposed: list[tuple[str, object, str | None]]
) -> tuple[str, int]:
    """A trace whose item under `spec` the annotators of `proposed` (one item's quota) split
    on, in review by the committee; its trace and item ids."""
    payload = trace_json()
    trace_id = payload["info"]["trace_id"]
    for name in [*COMMITTEE, "rev-z"]:
        ensure_user(live.engine, name, "reviewer", password=PASSWORD)
    with unit_of_work(live.engine) as session:
        label_schemas.create_schema(session, spec=spec, overlap=len(proposed), actor="test")
        traces.register_traces(session, payloads=[payload], actor="test")
        review.set_committee(session, scope="default", members=COMMITTEE, actor="test")
        for annotator, value, rationale in proposed:
            draft = human(spec["name"], value, annotator, rationale=rationale)
            view = assessments.log_assessment(
                session, trace_id=trace_id, draft=draft, by=trusted(annotator), limits=LIMITS
            )
    live.drain()
    with unit_of_work(live.engine) as session:
        item_id = session.get_one(Assessment, view.assessment_id).item_id
    return trace_id, item_id


def votes(live: LiveServer, item_id: int) -> list[tuple[str, object]]:
    with unit_of_work(live.engine) as session:
        rows = session.exec(select(Vote.reviewer_id, Vote.value).where(Vote.item_id == item_id))
        return sorted(rows.all())


def write_value(page: Page, priority: str) -> int:
    """Vote for the corrected value intent=refund, priority=`priority`; the answer's status."""
    form = page.locator("form.answer")
    expect(form.get_by_label("refund")).to_be_checked()  # the settled field, filled in
    form.get_by_label("priority").fill(priority)
    with page.expect_navigation() as navigation:
        form.get_by_role("button", name="Vote for this value").click()
    response = navigation.value
    assert response is not None
    return 303 if response.request.redirected_from is not None else response.status


def test_a_committee_settles_the_disputed_field_of_a_structured_item(
    live, browser_page: BrowserPage, artifacts: Path
):
    trace_id, item_id = disputed_ticket(live)
    page = browser_page.page
    sign_in(browser_page, live, "rev-a")
    page.get_by_role("link", name="Review", exact=True).click()
    page.wait_for_url("**/review")
    expect(page.locator("table.review-queue tbody tr")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("oldest first: 1 waits")
    page.get_by_label("Label").fill("no-such-label")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.review-queue tbody")).to_contain_text("under this filter")
    page.get_by_label("Label").fill("ticket")
    # The settled intent is no disputed field; the priority is, and it is two thirds contested.
    page.get_by_label("Order").select_option(label="Most contested first")
    page.get_by_label("Disputed field").fill("intent")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.review-queue tbody")).to_contain_text("under this filter")
    page.get_by_label("Disputed field").fill("priority")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    expect(page.locator("main")).to_contain_text("most contested first: 1 waits under this filter")
    expect(page.get_by_label("Order")).to_have_value("contested")
    expect(page.locator("table.review-queue tbody td[data-label=Contest]")).to_have_text("0.67")
    assert_accessible(page)
    shoot(page, artifacts, "review-queue")
    refused = page.goto(f"{live.url}/review?order=newest")
    assert refused is not None and refused.status == 400
    expect(page.locator("main")).to_contain_text("not one of oldest, contested")
    page.goto(f"{live.url}/review")
    with page.expect_navigation():
        page.get_by_role("link", name=f"Review item #{item_id}").click()

    cards = page.locator("li.proposal")
    expect(cards).to_have_count(3)
    expect(cards.filter(has_text="bob")).to_contain_text(HOSTILE[1])  # text, not an element
    assert page.evaluate("typeof window.__pwned") == "undefined"
    fields = page.locator("table.fields tbody tr")
    expect(fields.filter(has_text="intent")).to_contain_text("settled")
    expect(fields.filter(has_text="priority")).to_contain_text("disputed")
    expect(page.locator("#votes-title + p")).to_contain_text("Shown once you have voted")
    shoot(page, artifacts, "review-desk")

    # The server checks the corrected value again: a priority past its maximum is refused.
    page.evaluate("document.querySelector('form.answer').noValidate = true")
    assert write_value(page, "7") == 400
    expect(page.get_by_role("alert")).to_contain_text("7 is above the maximum 3")
    expect(page.locator("form.answer").get_by_label("priority")).to_have_value("7")
    assert votes(live, item_id) == []
    assert_accessible(page)

    assert write_value(page, "2") == 303
    expect(page.get_by_role("status")).to_contain_text("Your vote is in")
    expect(page.locator("ul.votes")).to_contain_text("rev-a: value")
    assert votes(live, item_id) == [("rev-a", {"intent": "refund", "priority": 2})]

    # Off the committee: refused.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    sign_in(browser_page, live, "rev-z")
    refused = page.goto(f"{live.url}/review/items/{item_id}")
    assert refused is not None and refused.status == 403

    # A second member writes the same value: a strict majority of three.
    page.goto(f"{live.url}/review")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    sign_in(browser_page, live, "rev-b")
    page.goto(f"{live.url}/review/items/{item_id}")
    expect(page.locator("ul.votes")).to_have_count(0)  # not before rev-b's own vote
    # From the keyboard: cid's proposal (the third) is the same value; Ctrl+Enter casts it.
    expect(page.locator("#shortcuts")).to_be_visible()
    page.locator("h1").click()
    page.keyboard.press("3")
    expect(page.get_by_label("cid's: intent: refund priority: 2")).to_be_checked()
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    expect(page.get_by_role("status")).to_contain_text("Your vote is in")
    live.drain()
    page.goto(f"{live.url}/review/items/{item_id}")
    assert page.url.endswith(f"/items/{item_id}/history")  # decided: its history instead
    expect(page.locator("ol.timeline")).to_contain_text("quorum:committee resolved it")

    mlflow.set_tracking_uri(live.url)
    trace = mlflow.get_trace(trace_id)
    canonical = [
        a.value for a in trace.info.assessments if a.source.source_id == "quorum:committee"
    ]
    assert canonical == [{"intent": "refund", "priority": 2}]
    assert browser_page.violations() == []


def switch_to(browser_page: BrowserPage, live: LiveServer, name: str) -> None:
    """Sign out whoever is signed in (if anyone) and sign in as `name`."""
    page = browser_page.page
    page.goto(f"{live.url}/review")
    if not page.url.startswith(f"{live.url}/login"):
        with page.expect_navigation():
            page.get_by_role("button", name="Sign out").click()
    sign_in(browser_page, live, name)


def submitted(page: Page, button) -> int:
    """Click a form's submit button: the answer's status (303 when it redirected)."""
    with page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    assert response is not None
    return 303 if response.request.redirected_from is not None else response.status


def committee_value(live: LiveServer, trace_id: str) -> list[object]:
    """The committee's canonical values of the trace, read through the mlflow client."""
    mlflow.set_tracking_uri(live.url)
    trace = mlflow.get_trace(trace_id)
    return [a.value for a in trace.info.assessments if a.source.source_id == "quorum:committee"]


def field_votes(live: LiveServer, item_id: int) -> list[tuple[str, str, str, object]]:
    with unit_of_work(live.engine) as session:
        rows = session.exec(
            select(Vote.reviewer_id, Vote.field, Vote.choice, Vote.value).where(
                Vote.item_id == item_id
            )
        )
        return sorted(rows.all())


def test_two_members_write_the_disputed_field_alone_and_the_agreed_one_is_kept(
    live, browser_page: BrowserPage, artifacts: Path
):
    trace_id, item_id = disputed_ticket(live)
    page = browser_page.page
    sign_in(browser_page, live, "rev-a")
    page.goto(f"{live.url}/review/items/{item_id}")
    # Only the disputed field is put to the vote; the agreed intent is not votable on its own.
    units = page.locator("section.unit-vote")
    expect(units).to_have_count(1)
    expect(units.get_by_role("heading")).to_have_text("Field priority")
    picks = units.locator("form.unit-pick")
    for label in ("1 (ann)", "3 (bob)", "2 (cid)", "Abstain on it"):
        expect(picks.get_by_label(label)).to_have_count(1)
    expect(page.locator("table.fields tbody tr").filter(has_text="intent")).to_contain_text(
        "settled"
    )
    write = units.locator("form.unit-write")
    expect(write.get_by_label("priority")).to_have_attribute("max", "3")
    shoot(page, artifacts, "review-desk-fields")
    assert_accessible(page)

    # Past the field's maximum: refused by the server too, shown as typed, nothing stored.
    page.evaluate("document.querySelector('form.unit-write').noValidate = true")
    write.get_by_label("priority").fill("7")
    assert submitted(page, write.get_by_role("button", name="Vote for this priority")) == 400
    expect(page.get_by_role("alert")).to_contain_text("7 is above the maximum 3")
    expect(page.locator("form.unit-write").get_by_label("priority")).to_have_value("7")
    assert field_votes(live, item_id) == []
    assert_accessible(page)

    write = page.locator("form.unit-write")
    write.get_by_label("priority").fill("2")
    assert submitted(page, write.get_by_role("button", name="Vote for this priority")) == 303
    expect(page.get_by_role("status")).to_contain_text("Your vote is in")
    expect(page.locator("section.unit-vote")).to_contain_text("You voted: value 2")
    expect(page.locator("ul.unit-votes")).to_have_text("rev-a: 2")
    assert field_votes(live, item_id) == [("rev-a", "priority", "value", 2)]

    # The second member sees no one's vote on the field before casting their own.
    switch_to(browser_page, live, "rev-b")
    page.goto(f"{live.url}/review/items/{item_id}")
    expect(page.locator("ul.unit-votes")).to_have_count(0)
    expect(page.locator("ul.votes")).to_have_count(0)
    # First ann's priority (decides nothing: one each), then, having seen rev-a's, a 2.
    pick = page.locator("form.unit-pick")
    pick.get_by_label("1 (ann)").check()
    assert submitted(page, pick.get_by_role("button", name="Cast vote on priority")) == 303
    expect(page.locator("ul.unit-votes li")).to_have_text(["rev-a: 2", "rev-b: 1"])
    shoot(page, artifacts, "review-desk-field-voted")
    write = page.locator("form.unit-write")
    write.get_by_label("priority").fill("2")
    assert submitted(page, write.get_by_role("button", name="Vote for this priority")) == 303
    live.drain()
    page.goto(f"{live.url}/review/items/{item_id}")
    assert page.url.endswith(f"/items/{item_id}/history")
    expect(page.locator("ol.timeline")).to_contain_text("quorum:committee resolved it")
    expect(page.locator("table.decided-fields")).to_contain_text("priority")
    shoot(page, artifacts, "history-fields")
    assert committee_value(live, trace_id) == [{"intent": "refund", "priority": 2}]
    assert browser_page.violations() == []


LABELS = {
    "name": "labels",
    "value_type": "categorical_list",
    "options": ["billing", "urgent", "vip"],
}


def test_a_list_is_resolved_element_by_element(live, browser_page: BrowserPage, artifacts: Path):
    # "billing" is agreed; "urgent" and "vip" are each held by one of the two annotators.
    proposed = [("ann", ["billing", "urgent"], None), ("bob", ["billing", "vip"], None)]
    trace_id, item_id = disputed(live, LABELS, proposed)
    page = browser_page.page
    for reviewer, votes in (("rev-a", ("keep", "drop")), ("rev-b", ("keep", "abstain"))):
        switch_to(browser_page, live, reviewer)
        page.goto(f"{live.url}/review/items/{item_id}")
        units = page.locator("section.unit-vote")
        expect(units.get_by_role("heading")).to_have_text(
            ["Element urgent of the list", "Element vip of the list"]
        )
        for unit, choice in zip(("urgent", "vip"), votes, strict=True):
            form = page.locator("section.unit-vote", has_text=f"Element {unit}").locator("form")
            label = {"keep": "Keep it", "drop": "Drop it", "abstain": "Abstain on it"}[choice]
            form.get_by_label(label).check()
            assert submitted(page, form.get_by_role("button")) == 303
        if reviewer == "rev-a":
            shoot(page, artifacts, "review-desk-elements")
            assert_accessible(page)
    expect(page.locator("section.unit-vote", has_text="Element vip").locator("li")).to_have_text(
        ["rev-a: drop", "rev-b: abstains"]
    )
    live.drain()
    # "urgent" kept by two of three; "vip" dropped by one, with an abstention: not yet decided.
    page.goto(f"{live.url}/review/items/{item_id}")
    assert page.url.endswith(f"/review/items/{item_id}")
    switch_to(browser_page, live, "rev-c")
    page.goto(f"{live.url}/review/items/{item_id}")
    form = page.locator("section.unit-vote", has_text="Element vip").locator("form")
    form.get_by_label("Drop it").check()
    assert submitted(page, form.get_by_role("button")) == 303
    live.drain()
    assert committee_value(live, trace_id) == [["billing", "urgent"]]
    assert browser_page.violations() == []
