"""The campaign pages in Chromium: a lead creates a campaign over five kinds of label schema
(traces by id and by import), edits it, adds traces by a tag filter, staffs and closes it;
members who do not lead read it, others do not find it; refused input is shown again as typed
with nothing stored; hostile values stay text. Phone and desktop, axe on every page."""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from tests.api.conftest import LiveServer
from tests.factories import LIMITS, trace_json
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, assert_accessible, sign_in
from tests.pages.test_security_headers import HOSTILE, assert_inert
from workflow import campaigns, queue, traces
from workflow.identity.access import actor_for, trusted
from workflow.items import label_schemas, listing
from workflow.kernel.db import unit_of_work
from workflow.kernel.errors import Conflict

DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
SCHEMAS = [
    {"name": "verdict", "value_type": "categorical", "options": ["yes", "no"]},
    {"name": "score", "value_type": "numeric", "min_value": 0, "max_value": 10},
    {"name": "expected_answer", "value_type": "text"},
    {"name": "keywords", "value_type": "text_list"},
    {
        "name": "ticket",
        "value_type": "structured",
        "fields": [
            {"name": "intent", "value_type": "categorical", "options": ["refund", "other"]},
            {"name": "priority", "value_type": "numeric"},
        ],
    },
]
ROOT = trusted("page-tests")
VALUES = {
    "verdict": "yes",
    "score": 7,
    "expected_answer": "Paris",
    "keywords": ["refund", "boots"],
    "ticket": {"intent": "refund", "priority": 2},
}
# What the console says of a form refused with 400, the one error a test here may cause.
REFUSED = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


def register(live: LiveServer, *payloads: dict, schemas: list[dict] = SCHEMAS) -> list[str]:
    """Label schemas and traces as the set-up has them; the traces' ids."""
    with unit_of_work(live.engine) as session:
        for spec in schemas:
            label_schemas.create_schema(session, spec=spec, overlap=None, actor="page-tests")
        traces.register_traces(session, payloads=list(payloads), actor="page-tests")
    return [payload["info"]["trace_id"] for payload in payloads]


def tagged(**tags: str) -> dict:
    """A trace with these tags beside its name."""
    payload = trace_json()
    payload["info"]["tags"].update(tags)
    return payload


def people(live: LiveServer, **roles: str) -> None:
    """Users with these roles, who sign in with the test password."""
    for name, role in roles.items():
        ensure_user(live.engine, name, role, password=PASSWORD)


@contextmanager
def signed_in(browser: Browser, live: LiveServer, username: str) -> Iterator[BrowserPage]:
    """A tab of its own context, signed in as `username` (who exists already)."""
    context = browser.new_context()
    watched = BrowserPage(context.new_page())
    watched.page.on("pageerror", lambda exc: watched.console_errors.append(str(exc)))
    try:
        sign_in(watched, live, username)
        yield watched
    finally:
        context.close()


def post(page: Page, button: str) -> int:
    """Click the submit button named `button`; the status the form was answered with."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button, exact=True).click()
    response = navigation.value
    assert response is not None
    # After a redirect the navigation's response is the page it led to (the routes redirect
    # with 303 only); its request remembers the POST.
    return 303 if response.request.redirected_from is not None else response.status


def look(page: Page, artifacts: Path, name: str) -> None:
    """Screenshots at desktop and phone width; at each, no sideways scroll and nothing axe
    finds serious."""
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"{name}-{label}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow} px too wide at {label} width"
        assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def campaign_of(page: Page) -> int:
    found = re.search(r"/campaigns/(\d+)", page.url)
    assert found, page.url
    return int(found.group(1))


def progress_of(live: LiveServer, campaign_id: int) -> campaigns.CampaignProgress:
    with unit_of_work(live.engine) as session:
        return campaigns.progress(session, campaign_id=campaign_id, by=ROOT)


def test_a_lead_creates_edits_grows_staffs_and_closes_a_campaign(
    live: LiveServer, browser_page: BrowserPage, artifacts: Path
):
    by_id = register(live, trace_json(), trace_json())
    register(live, tagged(batch="b2"), tagged(batch="b2"), tagged(batch="b3"), schemas=[])
    uploaded, pasted = trace_json(), trace_json()
    upload = artifacts / "traces.json"
    upload.write_text(json.dumps([uploaded]))
    people(live, lena="lead", ann="annotator", rev="reviewer")
    page = browser_page.page
    sign_in(browser_page, live, "lena")

    page.get_by_role("link", name="Campaigns", exact=True).click()
    expect(page.get_by_role("cell", name="No campaigns yet.")).to_be_visible()
    page.get_by_role("link", name="New campaign").click()
    expect(page.get_by_label("Blind: annotators do not see each other's answers")).to_be_checked()
    look(page, artifacts, "new-campaign")

    page.get_by_label("Name", exact=True).fill("Support answers, November")
    page.get_by_label("Annotators per item").fill("2")
    page.get_by_label("Due date (UTC)").fill("2026-12-01")
    page.get_by_label("Instructions for annotators").fill("Read the **whole** answer.")
    for spec in SCHEMAS:
        page.locator(f'input[name="schema"][value="{spec["name"]}"]').check()
    # One schema labels spans: each retriever span of a trace is an item of its own.
    page.get_by_label("Span type for keywords").fill("RETRIEVER")
    page.get_by_label("Trace ids, one per line").fill("\n".join(by_id))
    page.get_by_label("A file holding a JSON list of traces").set_input_files(upload)
    page.get_by_label("Or the JSON list, pasted").fill(json.dumps([pasted]))
    assert post(page, "Create campaign") == 303
    campaign_id = campaign_of(page)

    # Four traces x five schemas (the span-level one: one retriever span a trace).
    expect(page.locator("#progress")).to_contain_text("20 items; 0 of 40 annotator seats")
    expect(page.locator("table.chart tr", has_text="collecting")).to_contain_text("20")
    made = progress_of(live, campaign_id)
    assert (made.items, made.states, made.seats) == (20, {"collecting": 20}, 40)
    with unit_of_work(live.engine) as session:
        items = listing.list_items(session, by=ROOT, limit=100, campaign_id=campaign_id).items
    assert {item.trace_id for item in items} == {
        *by_id,
        uploaded["info"]["trace_id"],
        pasted["info"]["trace_id"],
    }
    assert {item.name for item in items if item.span_id} == {"keywords"}
    assert len({item.name for item in items}) == 5

    # Edit: priority and instructions; the Markdown is rendered.
    form = page.locator("#edit")
    form.get_by_label("Priority").fill("7")
    form.get_by_label("Instructions for annotators").fill(
        "## Steps\n\n1. Read the **answer**\n2. See [the guide](https://example.com/guide)"
    )
    assert post(page, "Save settings") == 303
    expect(page.locator("#about dd").nth(2)).to_have_text("7")
    expect(page.locator(".instructions h4")).to_have_text("Steps")
    expect(page.locator(".instructions strong")).to_have_text("answer")
    expect(page.locator(".instructions a")).to_have_attribute("href", "https://example.com/guide")
    with unit_of_work(live.engine) as session:
        edited = campaigns.get_campaign(session, campaign_id=campaign_id, by=ROOT)
    assert (edited.priority, edited.due and edited.due.date().isoformat()) == (7, "2026-12-01")

    # Add traces by a tag filter: the two of batch b2.
    page.locator("#add-traces").get_by_label("Tags, one key=value per line").fill("batch=b2")
    assert post(page, "Add traces") == 303
    expect(page.get_by_role("status")).to_have_text("2 traces selected: 10 new items.")
    expect(page.locator("#progress")).to_contain_text("30 items; 0 of 60 annotator seats")
    assert progress_of(live, campaign_id).items == 30

    # Members: an unknown user is refused and shown again as typed; then the real ones.
    rows = page.locator("table.members tbody tr")
    rows.nth(1).locator("input").fill("ann")
    rows.nth(2).locator("input").fill("ghost")
    rows.nth(2).locator("select").select_option("reviewer")
    assert post(page, "Save members") == 400
    expect(page.locator("#members .error")).to_contain_text("no such users: ghost")
    expect(rows.nth(2).locator("input")).to_have_value("ghost")
    rows.nth(2).locator("input").fill("rev")
    assert post(page, "Save members") == 303
    with unit_of_work(live.engine) as session:
        staffed = campaigns.members(session, campaign_id, by=ROOT)
    assert staffed == {"ann": "annotator", "lena": "lead", "rev": "reviewer"}

    # ann answers one item (each schema's value fits it) and holds a claim on a second.
    ann = actor_for("ann", "annotator", can_import=False)
    with unit_of_work(live.engine) as session:
        first = queue.claim_next(session, by=ann, campaign_id=campaign_id)
        assert first is not None
        queue.submit_claim(
            session,
            by=ann,
            item_id=first.item_id,
            value=VALUES[first.name],
            rationale=None,
            limits=LIMITS,
            default_overlap=3,
        )
        assert queue.claim_next(session, by=ann, campaign_id=campaign_id) is not None
    page.reload()
    expect(page.locator("#progress")).to_contain_text("30 items; 1 of 60 annotator seats")
    expect(page.locator("table.annotators tbody tr")).to_have_text(re.compile(r"ann\s+1\s+1\s+0"))
    look(page, artifacts, "campaign")

    # Close it, after confirming; claims are refused from then on.
    page.get_by_label("Yes, close it").check()
    assert post(page, "Close campaign") == 303
    expect(page.locator(".page-head .campaign-status")).to_have_text("closed")
    expect(page.locator("#add-traces")).to_contain_text("takes no more traces")
    with Session(live.engine) as session, pytest.raises(Conflict):
        queue.claim_next(session, by=ann, campaign_id=campaign_id)

    page.get_by_role("link", name="Campaigns", exact=True).first.click()
    row = page.locator("table.campaigns tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("closed")
    expect(row.locator('td[data-label="Overlap"]')).to_have_text("2")
    look(page, artifacts, "campaigns")
    assert not browser_page.violations()
    assert set(browser_page.console_errors) == {REFUSED}  # the unknown member's


def staffed_campaign(live: LiveServer) -> int:
    """A campaign led by lena, with ann annotating and rev reviewing, over one trace."""
    register(live, trace_json(), schemas=SCHEMAS[:1])
    people(live, lena="lead", ann="annotator", rev="reviewer", otto="lead")
    lena = actor_for("lena", "lead", can_import=False)
    with unit_of_work(live.engine) as session:
        view = campaigns.create_campaign(
            session,
            settings=campaigns.CampaignSettings("Verdicts", instructions="Say *yes* or *no*."),
            by=lena,
            schemas=(campaigns.SchemaTarget("verdict"),),
            traces=campaigns.TraceSelection(payloads=(trace_json(),)),
        )
        roles = {"lena": "lead", "ann": "annotator", "rev": "reviewer"}
        campaigns.set_members(session, campaign_id=view.id, roles=roles, by=trusted("lena"))
    return view.id


def test_members_who_do_not_lead_read_it_and_others_do_not_find_it(
    live, browser: Browser, artifacts: Path
):
    campaign_id = staffed_campaign(live)
    path = f"{live.url}/campaigns/{campaign_id}"
    for reader in ("rev", "ann"):
        with signed_in(browser, live, reader) as tab:
            page = tab.page
            page.goto(f"{live.url}/campaigns")
            expect(page.get_by_role("link", name="New campaign")).to_have_count(0)
            page.get_by_role("link", name="Verdicts").click()
            expect(page.locator(".instructions em")).to_have_text(["yes", "no"])
            expect(page.locator("table.members")).to_contain_text("rev")
            # Read-only, and nobody's counts: no progress, no form but signing out.
            expect(page.locator("#progress")).to_have_count(0)
            expect(page.get_by_text("Annotators' work")).to_have_count(0)
            assert page.locator("main form").count() == 0
            page.set_viewport_size(PHONE)
            page.screenshot(path=artifacts / f"campaign-read-by-{reader}.png", full_page=True)
            assert_accessible(page)
            assert page.goto(f"{live.url}/campaigns/new").status == 403
            assert not tab.console_errors
    with signed_in(browser, live, "otto") as tab:
        response = tab.page.goto(path)
        assert response is not None and response.status == 404
        expect(tab.page.locator("main")).to_contain_text(f"no campaign {campaign_id}")
        tab.page.goto(f"{live.url}/campaigns")
        expect(tab.page.get_by_role("cell", name="No campaigns yet.")).to_be_visible()


def test_refused_input_is_shown_again_as_typed_and_nothing_is_stored(
    live, browser_page: BrowserPage
):
    register(live, schemas=SCHEMAS[:2])
    people(live, lena="lead")
    imported = trace_json()
    page = browser_page.page
    sign_in(browser_page, live, "lena")
    page.goto(f"{live.url}/campaigns/new")
    page.get_by_label("Name", exact=True).fill("Half made")
    page.get_by_label("Instructions for annotators").fill("Keep *this*.")
    page.locator('input[name="schema"][value="score"]').check()
    page.get_by_label("Trace ids, one per line").fill("tr-nosuchtrace")
    page.get_by_label("Or the JSON list, pasted").fill(json.dumps([imported]))
    # The import is registered before the unknown id is found: the whole campaign goes back.
    assert post(page, "Create campaign") == 400
    expect(page.get_by_role("alert")).to_contain_text("no such traces: tr-nosuchtrace")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Half made")
    expect(page.get_by_label("Instructions for annotators")).to_have_value("Keep *this*.")
    expect(page.locator('input[name="schema"][value="score"]')).to_be_checked()
    expect(page.locator('input[name="schema"][value="verdict"]')).not_to_be_checked()
    assert_accessible(page)
    with unit_of_work(live.engine) as session:
        assert campaigns.list_campaigns(session, by=ROOT) == []
        assert traces.list_traces(session, limit=10).items == ()  # the import went back too

    page.get_by_label("Trace ids, one per line").fill("")
    page.get_by_label("Or the JSON list, pasted").fill("")
    page.locator('input[name="schema"][value="score"]').uncheck()
    assert post(page, "Create campaign") == 400
    expect(page.get_by_role("alert")).to_contain_text("choose at least one label schema")
    page.locator('input[name="schema"][value="score"]').check()
    page.get_by_label("Or the JSON list, pasted").fill("[{")
    assert post(page, "Create campaign") == 400
    expect(page.get_by_role("alert")).to_contain_text("the pasted JSON is not JSON")
    with unit_of_work(live.engine) as session:
        assert campaigns.list_campaigns(session, by=ROOT) == []
        campaigns.create_campaign(session, settings=campaigns.CampaignSettings("Taken"), by=ROOT)

    # A name in use is a conflict, shown the same way.
    page.get_by_label("Or the JSON list, pasted").fill("")
    page.get_by_label("Name", exact=True).fill("Taken")
    assert post(page, "Create campaign") == 409
    expect(page.get_by_role("alert")).to_contain_text("campaign 'Taken' already exists")
    with unit_of_work(live.engine) as session:
        assert [c.name for c in campaigns.list_campaigns(session, by=ROOT)] == ["Taken"]


def test_hostile_values_stay_text_and_run_nothing(live, browser_page: BrowserPage, artifacts: Path):
    hostile_schema = {"name": f"schema {HOSTILE[0]}", "value_type": "text"}
    tag = HOSTILE[1]
    register(live, tagged(note=tag), schemas=[hostile_schema])
    people(live, lena="lead")
    page = browser_page.page
    sign_in(browser_page, live, "lena")
    page.goto(f"{live.url}/campaigns/new")
    assert_inert(page)
    name = f'{HOSTILE[0]} "><img src=x onerror=window.__pwned=1>'
    instructions = "\n\n".join(
        [
            *HOSTILE,
            "[click](javascript:window.__pwned=1) [also](JAVASCRIPT:window.__pwned=1)",
            "<a href='javascript:window.__pwned=1'>raw</a> ![img](x onerror=window.__pwned=1)",
        ]
    )
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Instructions for annotators").fill(instructions)
    page.locator('input[name="schema"]').check()
    page.get_by_label("Tags, one key=value per line").fill(f"note={tag}")
    assert post(page, "Create campaign") == 303
    campaign_id = campaign_of(page)
    assert_inert(page)
    expect(page.locator("h1")).to_have_text(name)
    shown = page.locator(".instructions").inner_text()
    for value in HOSTILE:
        assert value in shown
    expect(page.locator("#about")).to_contain_text(hostile_schema["name"])
    assert progress_of(live, campaign_id).items == 1  # the hostile tag matched its trace

    # A refused form shows the hostile tags again, as typed text.
    typed = f"{HOSTILE[3]}\nnote={tag}"
    page.get_by_label("Trace ids, one per line").fill("tr-nosuchtrace")
    page.get_by_label("Tags, one key=value per line").fill(typed)
    assert post(page, "Add traces") == 400
    expect(page.get_by_label("Tags, one key=value per line")).to_have_value(typed)
    assert_inert(page)
    page.screenshot(path=artifacts / "hostile-campaign.png", full_page=True)
    for path in ("/campaigns", "/campaigns/new"):
        page.goto(live.url + path)
        assert_inert(page)
        assert name in page.locator("main").inner_text() or path.endswith("new")
        assert_accessible(page)
    expect(page.locator(".schema-choice")).to_contain_text(hostile_schema["name"])
    assert browser_page.violations() == []
    assert set(browser_page.console_errors) == {REFUSED}  # the unknown trace id's
