"""A committee's rule at work in Chromium: under "chair breaks ties" two members split and the
chair's choice wins; a round past its deadline goes to the chair, the desk says so, and the
chair's vote alone decides it; each canonical expectation reads back through the mlflow
client, and the history shows how it came about, the discussion included. The desk shows
texts word by word and numbers on a line, hostile text as text."""

import re
from pathlib import Path

import mlflow
from playwright.sync_api import Page, expect
from sqlalchemy import update

from tests.api.conftest import LiveServer
from tests.factories import LIMITS, as_reviewer, human, trace_json
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, assert_accessible, sign_in
from tests.pages.test_items_pages import shoot
from tests.pages.test_security_headers import HOSTILE
from workflow import assessments, review, traces
from workflow.identity.access import trusted
from workflow.items import label_schemas
from workflow.kernel.db import unit_of_work
from workflow.models import Assessment, Item
from workflow.models.base import utcnow
from workflow.review.quorum_rule import QuorumRule, Rule
from workflow.tasks.reconcile import reconcile

INTENT = {
    "name": "intent",
    "value_type": "categorical",
    "options": ["refund", "exchange", "repair"],
}
PROPOSED = [("ann", "refund"), ("bob", "exchange"), ("cid", "repair")]


def disputed(
    live: LiveServer,
    members: list[str],
    rule: QuorumRule,
    schema: dict = INTENT,
    proposed: list[tuple[str, object]] = PROPOSED,
) -> tuple[str, int]:
    """A trace whose three annotators all disagree (on the intent), routed to `members`."""
    payload = trace_json()
    trace_id = payload["info"]["trace_id"]
    for name in members:
        ensure_user(live.engine, name, "reviewer", password=PASSWORD)
    with unit_of_work(live.engine) as session:
        label_schemas.create_schema(session, spec=schema, overlap=3, actor="test")
        traces.register_traces(session, payloads=[payload], actor="test")
        name = schema["name"]
        review.set_committee(session, scope=name, members=members, actor="test", rule=rule)
        for annotator, value in proposed:
            view = assessments.log_assessment(
                session,
                trace_id=trace_id,
                draft=human(name, value, annotator),
                by=trusted(annotator),
                limits=LIMITS,
            )
    live.drain()
    with unit_of_work(live.engine) as session:
        item_id = session.get_one(Assessment, view.assessment_id).item_id
        assert session.get_one(Item, item_id).state == "in_review"
    return trace_id, item_id


def vote_for(page: Page, live: LiveServer, item_id: int, annotator: str) -> None:
    """The signed-in member votes, on the desk, for `annotator`'s proposal."""
    page.goto(f"{live.url}/review/items/{item_id}")
    page.get_by_label(f"{annotator}'s:", exact=False).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Cast vote", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Your vote is in")


def sign_out(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def canonical(trace_id: str) -> list[object]:
    trace = mlflow.get_trace(trace_id)
    return [a.value for a in trace.info.assessments if a.source.source_id == "quorum:committee"]


def test_a_tie_under_chair_breaks_ties_goes_the_chairs_way(
    live, browser_page: BrowserPage, artifacts: Path
):
    rule = QuorumRule(Rule.CHAIR_BREAKS_TIES, chair="chair-a")
    trace_id, item_id = disputed(live, ["chair-a", "rev-b"], rule)
    page = browser_page.page
    sign_in(browser_page, live, "rev-b")
    vote_for(page, live, item_id, "bob")
    discussion = page.locator("#discussion")
    discussion.get_by_label("Add to the discussion").fill("   ")
    page.evaluate("document.querySelector('#discussion form').noValidate = true")
    with page.expect_navigation() as refused:
        discussion.get_by_role("button", name="Post comment").click()
    assert refused.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("a comment has 1 to 4000 characters")
    discussion.get_by_label("Add to the discussion").fill(f"Exchange, per the log {HOSTILE[0]}")
    with page.expect_navigation():
        discussion.get_by_role("button", name="Post comment").click()
    expect(page.locator("ol.comments li")).to_have_count(1)
    sign_out(page)
    sign_in(browser_page, live, "chair-a")
    page.goto(f"{live.url}/review/items/{item_id}")
    expect(page.locator("main")).to_contain_text("chair chair-a")
    expect(page.locator("ol.comments")).to_contain_text(f"per the log {HOSTILE[0]}")  # text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    expect(page.locator("ul.votes")).to_contain_text("rev-b")  # the chair sees votes at once
    shoot(page, artifacts, "review-desk-chair")
    vote_for(page, live, item_id, "ann")
    live.drain()
    mlflow.set_tracking_uri(live.url)
    assert canonical(trace_id) == ["refund"]  # one vote each: the chair's wins
    page.goto(f"{live.url}/items/{item_id}/history")
    expect(page.locator("ol.timeline")).to_contain_text("quorum:committee resolved it")
    expect(page.locator("ol.timeline")).to_contain_text("rev-b commented in round 1")
    shoot(page, artifacts, "history-chair-tie")
    assert browser_page.violations() == []


def test_a_round_past_its_deadline_goes_to_the_chair_whose_vote_decides(
    live, browser_page: BrowserPage, artifacts: Path
):
    rule = QuorumRule(Rule.STRICT_MAJORITY, chair="rev-a", deadline_seconds=3600)
    trace_id, item_id = disputed(live, ["rev-a", "rev-b", "rev-c"], rule)
    page = browser_page.page
    sign_in(browser_page, live, "rev-b")
    page.goto(f"{live.url}/review/items/{item_id}")
    expect(page.locator("main")).to_contain_text("then it goes to the chair")
    vote_for(page, live, item_id, "bob")
    sign_out(page)

    # An hour on: the round is overdue, and the reconciler's pass escalates it.
    with unit_of_work(live.engine) as session:
        session.exec(update(Item).where(Item.id == item_id).values(review_due_at=utcnow()))
        report = reconcile(session, redeliver_after=60, stuck_after=600, max_attempts=5)
    assert report.reviews_escalated == 1
    live.drain()
    sign_in(browser_page, live, "rev-a")
    page.goto(f"{live.url}/review/items/{item_id}")
    expect(page.locator("#escalated")).to_contain_text("whose vote now decides it alone")
    shoot(page, artifacts, "review-desk-escalated")
    vote_for(page, live, item_id, "cid")
    live.drain()
    mlflow.set_tracking_uri(live.url)
    assert canonical(trace_id) == ["repair"]  # the chair alone, against rev-b's one vote
    page.goto(f"{live.url}/items/{item_id}/history")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("escalated an overdue round of round 1 to the chair")
    expect(timeline).to_contain_text("quorum:committee resolved it")
    shoot(page, artifacts, "history-escalated")
    assert browser_page.violations() == []


def test_the_desk_shows_texts_word_by_word_and_numbers_on_a_line(
    live, browser_page: BrowserPage, artifacts: Path
):
    answer = {"name": "answer", "value_type": "text"}
    texts = [("ann", "Refund issued today"), ("bob", f"Refund not issued {HOSTILE[1]}")]
    _, text_item = disputed(
        live, ["rev-t"], QuorumRule(), answer, [*texts, ("cid", "Refund issued yesterday")]
    )
    score = {"name": "score", "value_type": "numeric", "tolerance": 0.5}
    _, number_item = disputed(
        live, ["rev-t"], QuorumRule(), score, [("ann", 1), ("bob", 4), ("cid", 9)]
    )
    page = browser_page.page
    sign_in(browser_page, live, "rev-t")
    page.goto(f"{live.url}/review/items/{text_item}")
    diffs = page.locator("ul.word-diffs li")
    expect(diffs).to_have_count(2)
    bob = diffs.filter(has_text="bob")
    expect(page.locator("#diff-title")).to_have_text(
        re.compile(r"Word by word, against (ann|cid)'s")  # the engine's most central text
    )
    expect(bob.locator("ins").first).to_have_text("not ")
    expect(bob.locator("ins").last).to_contain_text(HOSTILE[1])  # text, not an element
    assert page.evaluate("typeof window.__pwned") == "undefined"
    shoot(page, artifacts, "review-desk-text-diff")
    page.goto(f"{live.url}/review/items/{number_item}")
    expect(page.locator("main")).to_contain_text("From 1 to 9 (a range of 8), middle 4.")
    expect(page.locator("svg.spread circle")).to_have_count(3)
    assert_accessible(page)
    assert browser_page.violations() == []


def test_a_committee_that_hides_annotators_votes_on_pseudonyms(
    live, browser_page: BrowserPage, artifacts: Path
):
    _, item_id = disputed(live, ["rev-h", "rev-i"], QuorumRule(hide_annotators=True))
    with unit_of_work(live.engine) as session:
        seen = review.review_view(
            session, item_id=item_id, reviewer_id="rev-h", by=as_reviewer("rev-h")
        )
    aliases = [p.annotator for p in seen.proposals]
    assert len(set(aliases)) == 3 and all(a.startswith("annotator-") for a in aliases)
    page = browser_page.page
    sign_in(browser_page, live, "rev-h")
    vote_for(page, live, item_id, aliases[0])
    live.drain()
    names = re.compile(r"\b(ann|bob|cid)\b")
    for path, shot in (
        (f"/items/{item_id}/history", "history"),
        (f"/review/items/{item_id}", "desk"),
    ):
        page.goto(f"{live.url}{path}")
        expect(page.locator("main")).not_to_contain_text(names)
        expect(page.locator("main")).to_contain_text(aliases[1])
        expect(page.locator("main")).to_contain_text("rev-h")  # reviewers keep their names
        shoot(page, artifacts, f"pseudonyms-{shot}")
    expect(page.locator("main")).to_contain_text("sees annotators under pseudonyms")
    assert browser_page.violations() == []
