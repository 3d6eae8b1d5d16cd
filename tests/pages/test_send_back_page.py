"""Sending an item back, in Chromium: a reviewer sends a split campaign item back to its
annotators with a note (an empty one is refused, nothing moves); the annotator finds it first
on My work, reads the note beside their own answer and revises it; once the others have kept
theirs, the engine agrees and the canonical expectation reads back through the mlflow client."""

import re
from pathlib import Path

import mlflow
from playwright.sync_api import expect

from tests.factories import annotator, propose, queue_campaign
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, assert_accessible, sign_in
from tests.pages.test_annotate import on_item, submit
from tests.pages.test_committee_pages import sign_out
from tests.pages.test_items_pages import shoot
from tests.pages.test_security_headers import HOSTILE
from workflow import queue, review
from workflow.kernel.db import unit_of_work
from workflow.kernel.values import ValueLimits
from workflow.models import Item

SCHEMA = {"name": "verdict", "value_type": "categorical", "options": ["yes", "no", "maybe"]}
NOTE = f"The customer asked about the second order: read the last turn again. {HOSTILE[0]}"


def test_an_item_sent_back_is_revised_and_then_agreed(
    live, browser_page: BrowserPage, artifacts: Path
):
    for name in ("anna", "bo", "cy"):
        ensure_user(live.engine, name, "annotator", password=PASSWORD)
    ensure_user(live.engine, "rev-s", "reviewer", password=PASSWORD)
    with unit_of_work(live.engine) as session:
        campaign_id, (trace_id,) = queue_campaign(
            session, traces=1, annotators=("anna", "bo", "cy"), schema=SCHEMA
        )
        review.set_committee(
            session,
            scope=review.campaign_scope(campaign_id),
            members=["rev-s"],
            actor="test",
        )
        for who, value in (("anna", "no"), ("bo", "yes"), ("cy", "maybe")):
            item_id = propose(session, trace_id, who, value, name="verdict")
    live.drain()

    page = browser_page.page
    sign_in(browser_page, live, "rev-s")
    page.goto(f"{live.url}/review/items/{item_id}")
    form = page.locator("#send-back")
    form.get_by_label("Note to the annotators").fill("  ")
    page.evaluate("document.querySelector('#send-back form').noValidate = true")
    with page.expect_navigation() as refused:
        form.get_by_role("button", name="Send back").click()
    assert refused.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("a note to the annotators has 1 to 4000")
    assert_accessible(page)
    shoot(page, artifacts, "review-desk-send-back-refused")
    form.get_by_label("Note to the annotators").fill(NOTE)
    with page.expect_navigation():
        form.get_by_role("button", name="Send back").click()
    expect(page.get_by_role("status")).to_contain_text("Sent back to 3 annotators")
    expect(page.locator("ol.timeline")).to_contain_text("rev-s sent it back to its annotators")
    expect(page.locator("ol.timeline")).to_contain_text(NOTE)  # as text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    sign_out(page)

    sign_in(browser_page, live, "anna")
    page.goto(f"{live.url}/work")
    expect(page.locator(f"#campaign-{campaign_id}-returned")).to_contain_text("1")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Resume")).click()
    assert on_item(page) == (item_id, "verdict")
    expect(page.locator("#lease")).to_contain_text("sent this item back to you")
    expect(page.locator("#return-note blockquote")).to_have_text(NOTE)
    # Their own answer, as they left it.
    expect(page.get_by_role("radio", name="no", exact=True)).to_be_checked()
    assert_accessible(page)
    shoot(page, artifacts, "annotate-sent-back")
    page.get_by_role("radio", name="yes", exact=True).check()
    submit(page)

    with unit_of_work(live.engine) as session:
        for who in ("bo", "cy"):
            queue.submit_claim(
                session,
                by=annotator(who),
                item_id=item_id,
                value="yes",
                rationale=None,
                limits=ValueLimits(),
                default_overlap=3,
            )
    live.drain()
    with unit_of_work(live.engine) as session:
        assert session.get_one(Item, item_id).state == "promoted"
    mlflow.set_tracking_uri(live.url)
    trace = mlflow.get_trace(trace_id)
    assert [a.value for a in trace.info.assessments if a.source.source_id == "quorum:auto"] == [
        "yes"
    ]
    assert browser_page.violations() == []
