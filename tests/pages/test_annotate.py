"""The annotator's pages in Chromium: a lead makes a campaign of five value types on its page;
an annotator opens My work, then an item of each value type annotated (one from the keyboard
alone) and one skipped, until nothing is left; the proposals read back
through the mlflow client are exactly what was typed. A bad structured value is refused with
nothing stored, an item is no one else's, and hostile values stay inert text."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import mlflow
from playwright.sync_api import Page, Response, expect
from sqlmodel import col, select, update

from tests.api.conftest import LiveServer
from tests.factories import LIMITS, annotator, human, judge, queue_campaign, trace_json
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, assert_accessible, sign_in
from tests.pages.test_security_headers import HOSTILE, hostile_trace
from workflow import assessments, campaigns, queue
from workflow.identity.access import trusted
from workflow.items import label_schemas
from workflow.kernel.db import unit_of_work
from workflow.models import Assessment, Item, Seat
from workflow.models.base import utcnow

DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
CAMPAIGN = "Support replies"
DUE = datetime(2031, 3, 14, tzinfo=UTC)
INSTRUCTIONS = """Judge the **assistant's reply** to the customer's ticket.

1. Read the request and the response.
2. Check the retrieved documents against [the policy](https://example.com/policy).
"""
SCHEMAS = [
    {
        "name": "verdict",
        "value_type": "categorical",
        "options": ["correct", "partly right", "wrong"],
    },
    {"name": "helpfulness", "value_type": "numeric", "min_value": 1, "max_value": 5},
    {"name": "better_reply", "value_type": "text"},
    {"name": "relevant_documents", "value_type": "text_list", "list_mode": "ordered"},
    {
        "name": "extraction",
        "value_type": "structured",
        "required_fields": ["company"],
        "fields": [
            {"name": "company", "value_type": "text"},
            {
                "name": "sentiment",
                "value_type": "categorical",
                "options": ["positive", "neutral", "negative"],
            },
            {
                "name": "follow_up",
                "value_type": "structured",
                "required_fields": ["priority"],
                "fields": [
                    {"name": "priority", "value_type": "numeric", "min_value": 1, "max_value": 3},
                    {"name": "escalate", "value_type": "pass_fail"},
                    {
                        "name": "topics",
                        "value_type": "categorical_list",
                        "options": ["billing", "shipping", "returns"],
                    },
                ],
            },
        ],
    },
]
POLICY = "Returns are free within 30 days of delivery for unworn items with their tags. " * 12
# Whatever another annotator says is none of this annotator's business.
SECRET = "BO-SAYS-WRONG"


def support_trace(number: int) -> dict[str, Any]:
    """A ticket answered by a retrieval chain: a long retrieved document among the outputs."""
    payload = trace_json()
    root, retriever = payload["data"]["spans"]
    root["name"] = "answer_ticket"
    root["attributes"] = {
        "mlflow.spanType": json.dumps("CHAIN"),
        "mlflow.spanInputs": json.dumps(
            {"ticket": f"ZD-{number}", "message": "Hi,\nthe hoodie is too boxy.\nCan I return it?"}
        ),
        "mlflow.spanOutputs": json.dumps({"reply": "Yes: returns are free within 30 days."}),
    }
    retriever["attributes"].update(
        {
            "mlflow.spanInputs": json.dumps({"query": "return policy hoodie"}),
            "mlflow.spanOutputs": json.dumps(
                [{"doc_id": f"policy-{i}", "text": POLICY} for i in range(3)]
            ),
        }
    )
    return payload


def make_campaign(live: LiveServer, browser_page: BrowserPage, artifacts: Path) -> int:
    """A lead makes the campaign on its page: five schemas (one span-level, on retrievers)
    over three pasted tickets, overlap 1, machine suggestions shown; anna and bo annotate.
    Then a judge suggests, and cy, outside the campaign, answers too."""
    for name, role in (("anna", "annotator"), ("bo", "annotator"), ("lead", "lead")):
        ensure_user(live.engine, name, role, password=PASSWORD)
    with unit_of_work(live.engine) as session:
        for spec in SCHEMAS:
            label_schemas.create_schema(session, spec=spec, overlap=None, actor="test")
    payloads = [support_trace(n) for n in range(3)]
    page = browser_page.page
    sign_in(browser_page, live, "lead")
    page.goto(f"{live.url}/campaigns/new")
    page.get_by_label("Name", exact=True).fill(CAMPAIGN)
    page.get_by_label("Annotators per item").fill("1")
    page.get_by_label("Due date (UTC)").fill(DUE.date().isoformat())
    page.get_by_label("Show annotators the suggestions (LLM judges, code)").check()
    page.get_by_label("Instructions for annotators").fill(INSTRUCTIONS)
    for spec in SCHEMAS:
        page.locator(f'input[name="schema"][value="{spec["name"]}"]').check()
    page.get_by_label("Span type for relevant_documents").fill("RETRIEVER")
    page.get_by_label("Or the JSON list, pasted").fill(json.dumps(payloads))
    with page.expect_navigation():
        page.get_by_role("button", name="Create campaign").click()
    found = re.search(r"/campaigns/(\d+)", page.url)
    assert found, page.url
    # Three tickets x five schemas, the span-level one on each ticket's one retriever.
    expect(page.locator("#progress")).to_contain_text("15 items; 0 of 15 annotator seats")
    rows = page.locator("table.members tbody tr")
    for row, name in ((1, "anna"), (2, "bo")):
        rows.nth(row).locator("input").fill(name)
        rows.nth(row).locator("select").select_option("annotator")
    with page.expect_navigation():
        page.get_by_role("button", name="Save members").click()
    expect(page.locator("table.members tbody tr input").nth(0)).to_have_value("anna")
    shoot(page, artifacts, "campaign-made-by-the-lead")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    with unit_of_work(live.engine) as session:
        for payload in payloads:
            trace_id = payload["info"]["trace_id"]
            draft = judge("verdict", "correct", rationale="the reply quotes the policy")
            assessments.log_assessment(
                session, trace_id=trace_id, draft=draft, by=trusted("judge"), limits=LIMITS
            )
            assessments.log_assessment(
                session,
                trace_id=trace_id,
                draft=human("better_reply", SECRET, "cy"),
                by=trusted("cy"),
                limits=LIMITS,
            )
    return int(found.group(1))


def shoot(page: Page, artifacts: Path, name: str) -> None:
    """Full-page screenshots at desktop and phone width: the page never scrolls sideways, and
    axe finds nothing serious at either."""
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"{name}-{label}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow} px too wide at {label} width"
        assert_accessible(page)
    page.set_viewport_size(DESKTOP)


# Controls a keyboard cannot reach: taken out of the tab order, or disabled.
UNREACHABLE = """() => [...document.querySelectorAll(
  "main input:not([type=hidden]), main select, main textarea, main button, main summary"
)].filter((control) => control.tabIndex < 0 || control.disabled).map((c) => c.outerHTML)"""


def proposals(live: LiveServer, annotator: str) -> list[tuple[str, str, str | None]]:
    """(trace, assessment id, rationale) of each of the annotator's live proposals."""
    with unit_of_work(live.engine) as session:
        return list(
            session.exec(
                select(Assessment.trace_id, Assessment.assessment_id, Assessment.rationale).where(
                    Assessment.source_id == annotator, col(Assessment.deleted_at).is_(None)
                )
            ).all()
        )


def item_key(live: LiveServer, item_id: int) -> tuple[str, str | None, str]:
    with unit_of_work(live.engine) as session:
        item = session.get_one(Item, item_id)
        return item.trace_id, item.span_id or None, item.name


def submit(page: Page) -> Response:
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=re.compile("^Submit")).click()
    return navigation.value


def on_item(page: Page) -> tuple[int, str]:
    """The item open in the page: its id and schema name."""
    match = re.fullmatch(r"(.+) item #(\d+)", page.locator("h1").inner_text())
    assert match, page.locator("h1").inner_text()
    return int(match[2]), match[1]


def annotate_verdict(page: Page, first: bool) -> str:
    suggestions = page.locator("section.suggestions")
    expect(suggestions).to_contain_text("LLM judge")
    expect(suggestions).to_contain_text("the reply quotes the policy")
    if not first:
        page.get_by_label("wrong").check()
        submit(page)
        return "wrong"
    # From the keyboard alone: a digit picks the second option, Ctrl+Enter submits.
    page.locator("h1").click()
    page.keyboard.press("2")
    expect(page.get_by_label("partly right")).to_be_checked()
    expect(page.get_by_label("partly right")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    return "partly right"


def annotate_extraction(page: Page, live: LiveServer, first: bool) -> Any:
    company = page.get_by_label("company")
    if not first:
        company.fill("Co")
        submit(page)
        return {"company": "Co"}
    # The browser checks first: with the required company empty, nothing is sent.
    page.get_by_role("button", name="Submit").click()
    assert company.evaluate("(field) => field.validity.valueMissing")
    assert "/work/items/" in page.url
    # The server checks again: a priority above its maximum, sent past the browser's checks,
    # is refused with a 400 page that keeps what was typed, and nothing is stored.
    stored = len(proposals(live, "anna"))
    company.fill("Northwind Outfitters")
    page.get_by_label("priority").fill("7")
    page.evaluate("document.getElementById('answer').noValidate = true")
    refused = submit(page)
    assert refused.status == 400
    expect(page.get_by_role("alert")).to_contain_text("7 is above the maximum 3")
    expect(company).to_have_value("Northwind Outfitters")
    expect(page.get_by_label("priority")).to_have_value("7")
    assert len(proposals(live, "anna")) == stored
    assert_accessible(page)
    page.get_by_label("priority").fill("2")
    page.get_by_label("negative").check()
    page.get_by_label("Pass").check()
    page.get_by_label("returns").check()
    page.get_by_label("shipping").check()
    page.get_by_label("Rationale").fill("The customer names the company\nin the signature.")
    submit(page)
    return {
        "company": "Northwind Outfitters",
        "sentiment": "negative",
        "follow_up": {"priority": 2, "escalate": True, "topics": ["shipping", "returns"]},
    }


def annotate(page: Page, live: LiveServer, name: str, first: bool) -> Any:
    """Answer the open item; the value that must be stored."""
    if name == "verdict":
        return annotate_verdict(page, first)
    if name == "extraction":
        return annotate_extraction(page, live, first)
    if name == "helpfulness":
        field = page.get_by_label("helpfulness")
        expect(field).to_have_attribute("min", "1")
        expect(field).to_have_attribute("max", "5")
        field.fill("4" if first else "2.5")
        submit(page)
        return 4 if first else 2.5
    if name == "relevant_documents":
        focus = page.locator("#span-under-annotation")
        expect(focus).to_contain_text("you annotate this span")
        expect(focus).to_contain_text("RETRIEVER")
        expect(page.locator("main")).to_contain_text("their order counts")
        page.get_by_label("relevant_documents").fill("policy-2\n\n  policy-0 \n")
        submit(page)
        return ["policy-2", "policy-0"]
    assert name == "better_reply", name
    page.get_by_label("better_reply").fill("Yes, within 30 days.\nHere is your label: <QR>")
    submit(page)
    return "Yes, within 30 days.\nHere is your label: <QR>"


def test_an_annotator_works_through_a_campaign_of_every_value_type(
    live, browser_page: BrowserPage, artifacts: Path
):
    campaign_id = make_campaign(live, browser_page, artifacts)
    page = browser_page.page
    page.clock.install()  # the heartbeat's minute passes on request
    sign_in(browser_page, live, "anna")

    page.get_by_role("link", name="My work").click()
    page.wait_for_url("**/work")
    mine = page.locator("section.campaign")
    expect(mine).to_contain_text("0 of 15 items submitted")
    expect(mine).to_contain_text("Judge the assistant's reply")
    expect(mine).to_contain_text("2031-03-14 00:00 UTC")
    expect(mine.locator("strong")).to_have_text("assistant's reply")  # Markdown, rendered
    shoot(page, artifacts, "my-work")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Start {CAMPAIGN}").click()

    # The lease renews itself while the page is open.
    expect(page.locator("#lease")).to_contain_text("it is renewed while this page is open")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.clock.fast_forward(61_000)
    expect(page.locator("#lease")).to_contain_text("Claim renewed: it holds until")

    expected: dict[tuple[str, str | None, str], Any] = {}
    seen: dict[str, int] = {}
    skipped = None
    while "/work/items/" in page.url:
        item_id, name = on_item(page)
        first = name not in seen
        seen[name] = item_id if first else seen[name]
        expect(page.locator("main")).not_to_contain_text(SECRET)
        if first:
            shoot(page, artifacts, f"annotate-{name}")
            assert page.evaluate(UNREACHABLE) == []
        if name == "better_reply" and not first and skipped is None:
            # "s" outside a text box opens the skip form; the reason is required.
            page.locator("h1").click()
            page.keyboard.press("s")
            reason = page.get_by_label("Why skip it?")
            expect(reason).to_be_focused()
            reason.fill("The ticket is in German; I cannot judge the reply.")
            with page.expect_navigation():
                page.get_by_role("button", name="Skip", exact=True).click()
            skipped = item_key(live, item_id)
            continue
        expected[item_key(live, item_id)] = annotate(page, live, name, first)

    assert set(seen) == {spec["name"] for spec in SCHEMAS} and skipped is not None
    assert page.url.endswith(f"/work?done={campaign_id}")
    expect(page.get_by_role("status")).to_contain_text(f"All done in {CAMPAIGN}")
    expect(mine).to_contain_text("14 of 15 items submitted")
    expect(mine.locator("dd").nth(2)).to_have_text("1")  # skipped
    shoot(page, artifacts, "my-work-done")

    # What the mlflow client reads back is exactly what was typed. Each proposal is read by its
    # id: with overlap 1 each item was promoted at once, and a trace lists only the canonical.
    mlflow.set_tracking_uri(live.url)
    stored = {}
    for trace_id, assessment_id, _ in proposals(live, "anna"):
        found = mlflow.get_assessment(trace_id=trace_id, assessment_id=assessment_id)
        assert (found.source.source_type, found.source.source_id) == ("HUMAN", "anna")
        stored[(trace_id, found.span_id, found.name)] = found.value
    assert stored == expected
    assert skipped not in stored
    # MLflow's Expectation has no rationale (its client drops it): it is read where it is kept.
    rationales = [rationale for _, _, rationale in proposals(live, "anna") if rationale]
    assert rationales == ["The customer names the company\nin the signature."]

    # An answered item opens with the answer in its form, to change while the campaign is open.
    page.goto(f"{live.url}/work/items/{seen['extraction']}")
    expect(page.locator("#lease")).to_contain_text("You answered this item")
    expect(page.get_by_label("company")).to_have_value("Northwind Outfitters")
    expect(page.get_by_label("returns")).to_be_checked()
    expect(page.get_by_role("button", name="Submit the change")).to_be_visible()
    expect(page.locator("#skip")).to_have_count(0)

    # Nobody else's: another annotator of the campaign gets a 404, and sees their own counts.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    sign_in(browser_page, live, "bo")
    response = page.goto(f"{live.url}/work/items/{seen['verdict']}")
    assert response is not None and response.status == 404
    page.goto(f"{live.url}/work")
    expect(mine).to_contain_text("0 of 15 items submitted")
    assert browser_page.violations() == []
    assert browser_page.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)",
        "Failed to load resource: the server responded with a status of 404 (Not Found)",
    ]


def test_a_claim_that_ran_out_keeps_what_was_typed(live, browser_page: BrowserPage):
    ensure_user(live.engine, "anna", "annotator", password=PASSWORD)
    with unit_of_work(live.engine) as session:
        campaign_id, _ = queue_campaign(
            session,
            traces=2,
            annotators=("anna", "bo"),
            overlap=1,
            schema={"name": "note", "value_type": "text"},
            lease_seconds=60,
        )
    page = browser_page.page
    page.clock.install()
    sign_in(browser_page, live, "anna")
    page.goto(f"{live.url}/work")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Start")).click()
    item_id, _ = on_item(page)
    page.get_by_label("note").fill("Typed while the lease ran out.")

    # The lease runs out, unrenewed, and bo's claim takes the seat over.
    with unit_of_work(live.engine) as session:
        session.execute(
            update(Seat)
            .where(col(Seat.item_id) == item_id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
        taken = queue.claim_next(session, by=annotator("bo"), campaign_id=campaign_id)
        assert taken is not None and taken.item_id == item_id
    # The page's next heartbeat says so plainly; then the submit is refused, the text kept.
    page.clock.fast_forward(61_000)
    expect(page.locator("#lease")).to_contain_text("Your claim ended: your claim on item")
    refused = submit(page)
    assert refused.status == 409
    expect(page.get_by_role("alert")).to_contain_text("its place went to someone else")
    expect(page.get_by_label("note")).to_have_value("Typed while the lease ran out.")
    expect(page.locator("#lease")).to_contain_text("Your claim ran out")
    assert proposals(live, "anna") == []
    assert_accessible(page)


def assert_inert(page: Page) -> None:
    """Nothing from the values ran or became an element; the only script is the page's own."""
    assert page.evaluate("typeof window.__pwned") == "undefined"
    scripts = page.locator("script").evaluate_all("(all) => all.map((s) => s.src)")
    assert all(src.endswith("/static/annotate.js") for src in scripts), scripts
    assert page.locator("svg, img, iframe, [onerror], [onload], [style]").count() == 0
    assert page.locator('a[href^="javascript:"], a[href^="data:"]').count() == 0


def test_hostile_values_stay_text_on_my_work_and_the_annotate_page(
    live, browser_page: BrowserPage, artifacts: Path
):
    ensure_user(live.engine, "anna", "annotator", password=PASSWORD)
    trace = hostile_trace()
    trace["info"]["trace_metadata"] = {"mlflow.traceInputs": HOSTILE[1]}
    markup = " ".join(HOSTILE)
    instructions = (
        f"{markup}\n\n[a link](javascript:window.__pwned=1) <javascript:window.__pwned=1>"
        " [data](data:image/png;base64,iVBORw0KGgo=) [vb](VBScript:msgbox)\n\n"
        "![an image](https://example.com/x.png) [fine](https://example.com/guide)\n\n"
        '<div onclick="window.__pwned=1">raw block</div>'
    )
    schema = {
        "name": f"label {HOSTILE[3]}",
        "value_type": "structured",
        "required_fields": [HOSTILE[0]],
        "fields": [
            {"name": HOSTILE[0], "value_type": "text"},
            {"name": HOSTILE[1], "value_type": "categorical", "options": list(HOSTILE)},
            {"name": HOSTILE[2], "value_type": "numeric", "max_value": 3},
        ],
    }
    with unit_of_work(live.engine) as session:
        label_schemas.create_schema(session, spec=schema, overlap=None, actor="test")
        view = campaigns.create_campaign(
            session,
            settings=campaigns.CampaignSettings(
                f"campaign {HOSTILE[0]}", 1, instructions=instructions, show_suggestions=True
            ),
            by=trusted("lead"),
            schemas=(campaigns.SchemaTarget(schema["name"]),),
            traces=campaigns.TraceSelection(payloads=(trace,)),
        )
        campaigns.set_members(
            session, campaign_id=view.id, roles={"anna": "annotator"}, by=trusted("test")
        )
        assessments.log_assessment(
            session,
            trace_id=trace["info"]["trace_id"],
            draft=judge(schema["name"], {HOSTILE[0]: HOSTILE[1]}, rationale=HOSTILE[2]),
            by=trusted("judge"),
            limits=LIMITS,
        )
    page = browser_page.page
    sign_in(browser_page, live, "anna")
    page.goto(f"{live.url}/work")
    assert_inert(page)
    expect(page.locator("section.campaign h2")).to_have_text(f"campaign {HOSTILE[0]}")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Start")).click()

    page.locator("details").evaluate_all("(all) => all.forEach((d) => { d.open = true; })")
    assert_inert(page)
    main = page.locator("main").inner_text()
    for value in HOSTILE:
        assert value in main  # the spans' names and values, the suggestion, the labels
    markdown = page.locator(".markdown")
    assert "[a link](javascript:window.__pwned=1)" in markdown.inner_text()
    assert '<div onclick="window.__pwned=1">raw block</div>' in markdown.inner_text()
    # Images are off (the CSP refuses them): one shows as a link to it, after its "!".
    links = markdown.locator("a").evaluate_all("(all) => all.map((a) => a.href)")
    assert links == ["https://example.com/x.png", "https://example.com/guide"]
    assert_accessible(page)
    page.screenshot(path=artifacts / "annotate-hostile-desktop.png", full_page=True)

    # Typed markup, sent back by a refusal (a number above its maximum), stays text too.
    # (Fields by id: the field names are also the options' labels.)
    text, number = page.locator("#f-value-0"), page.locator("#f-value-2")
    text.fill(HOSTILE[3])
    number.fill("9")
    page.locator('input[name="value.1"][value="1"]').check()
    page.evaluate("document.getElementById('answer').noValidate = true")
    assert submit(page).status == 400
    assert_inert(page)
    expect(text).to_have_value(HOSTILE[3])
    expect(page.locator('input[name="value.1"][value="1"]')).to_be_checked()
    number.fill("2")
    submit(page)
    assert page.url.endswith(f"/work?done={view.id}")
    assert_inert(page)
    assert browser_page.violations() == []
