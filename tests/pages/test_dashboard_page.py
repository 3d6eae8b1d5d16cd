"""The campaign dashboard in Chromium: a seeded campaign's decisions bring a worker's snapshot;
its lead reads the charts at three widths; the alpha on the page and in the CSV is the
engine's on the campaign's own table; a hostile campaign name stays text; an annotator of
the campaign is refused."""

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect
from sqlmodel import select

from tests.api.conftest import LiveServer
from tests.factories import LIMITS, human, trace_json
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, sign_in
from tests.pages.test_items_pages import shoot
from tests.pages.test_security_headers import HOSTILE
from workflow import assessments, campaigns
from workflow.consensus import alpha
from workflow.identity.access import trusted
from workflow.items import label_schemas
from workflow.kernel.db import unit_of_work
from workflow.models import Assessment, Item

OPTIONS = ["refund", "exchange", "repair"]
ANNOTATORS = ["ann", "bob", "cid", "dee"]


def seeded_campaign(live: LiveServer, n_traces: int = 24) -> tuple[int, list[int]]:
    """A campaign (named with a hostile string) of `n_traces` traces, each labelled by three
    of four annotators who mostly agree; returns its id and its items' ids."""
    rng = np.random.default_rng(7)
    ensure_user(live.engine, "lee", "lead", password=PASSWORD)
    for name in ANNOTATORS:
        ensure_user(live.engine, name, "annotator", password=PASSWORD)
    payloads = [trace_json() for _ in range(n_traces)]
    with unit_of_work(live.engine) as session:
        spec = {"name": "intent", "value_type": "categorical", "options": OPTIONS}
        label_schemas.create_schema(session, spec=spec, overlap=None, actor="test")
        view = campaigns.create_campaign(
            session,
            settings=campaigns.CampaignSettings(f"Refunds {HOSTILE[0]}", 3),
            by=trusted("test"),
            schemas=(campaigns.SchemaTarget("intent"),),
            traces=campaigns.TraceSelection(payloads=tuple(payloads)),
        )
        roles = {**dict.fromkeys(ANNOTATORS, "annotator"), "lee": "lead"}
        campaigns.set_members(session, campaign_id=view.id, roles=roles, by=trusted("test"))
    for payload in payloads:
        truth = OPTIONS[int(rng.integers(3))]
        for name in rng.choice(ANNOTATORS, 3, replace=False):
            value = truth if rng.random() < 0.8 else OPTIONS[int(rng.integers(3))]
            with unit_of_work(live.engine) as session:
                assessments.log_assessment(
                    session,
                    trace_id=payload["info"]["trace_id"],
                    draft=human("intent", value, str(name)),
                    by=trusted(str(name)),
                    limits=LIMITS,
                )
    live.drain()
    with unit_of_work(live.engine) as session:
        items = session.exec(select(Item.id).where(Item.campaign_id == view.id)).all()
    return view.id, sorted(items)


def engine_alpha(live: LiveServer, item_ids: list[int]):
    """The engine's alpha, with its interval, on the raters x units table built here."""
    with unit_of_work(live.engine) as session:
        rows = session.exec(
            select(Assessment.source_id, Assessment.item_id, Assessment.value).where(
                Assessment.item_id.in_(item_ids), Assessment.role == "proposal"
            )
        ).all()
    raters = sorted({r for r, _, _ in rows})
    table = np.full((len(raters), len(item_ids)), np.nan)
    for rater, unit, value in rows:
        table[raters.index(rater), item_ids.index(unit)] = OPTIONS.index(value)
    return alpha(table, "nominal", bootstrap=200, seed=0)


def test_a_lead_reads_the_dashboard_whose_alpha_is_the_engines(
    live, browser_page: BrowserPage, artifacts: Path
):
    campaign_id, item_ids = seeded_campaign(live)
    page = browser_page.page
    sign_in(browser_page, live, "lee")
    page.goto(f"{live.url}/campaigns/{campaign_id}/dashboard")
    if page.get_by_text("a fresh snapshot is on its way").count():
        live.drain()  # the reconciler's snapshot after the throttle: run what waits
    with page.expect_navigation():
        page.get_by_role("button", name="Compute the figures again now").click()
    live.drain()
    page.reload()
    expect(page.locator("h1")).to_have_text(f"Dashboard: Refunds {HOSTILE[0]}")  # as text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    expect(page.locator("dl.kpis")).to_contain_text(f"Items{len(item_ids)}")
    for chart in ("progress", "time-to-consensus", "alpha-1", "kappa-1", "reliability-1"):
        expect(page.locator(f"#{chart} svg.chart")).to_be_visible()
    expect(page.locator("#kappa-1 rect.cell")).to_have_count(len(ANNOTATORS) ** 2)

    expected = engine_alpha(live, item_ids)
    whisker = page.locator("#alpha-1 svg g title").first
    assert f"alpha {expected.value:.3f}" in whisker.text_content()
    low, high = expected.ci
    assert f"95% interval {low:.2f} to {high:.2f}" in whisker.text_content()

    download = page.request.get(f"{live.url}/campaigns/{campaign_id}/dashboard/alpha.csv")
    assert download.ok and download.headers["content-type"].startswith("text/csv")
    (row,) = list(csv.DictReader(io.StringIO(download.text())))
    assert float(row["alpha"]) == pytest.approx(expected.value, abs=1e-12)
    assert float(row["ci_low"]) == pytest.approx(low, abs=1e-12)
    assert float(row["ci_high"]) == pytest.approx(high, abs=1e-12)
    assert int(row["n_pairable_values"]) == expected.n_pairable_values
    document = page.request.get(f"{live.url}/campaigns/{campaign_id}/dashboard.json").json()
    (schema,) = document["figures"]["schemas"]
    assert schema["alpha"][0]["value"] == pytest.approx(expected.value, abs=1e-12)
    missing = page.request.get(f"{live.url}/campaigns/{campaign_id}/dashboard/nothing.csv")
    assert missing.status == 404
    shoot(page, artifacts, "dashboard")

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    sign_in(browser_page, live, "ann")
    refused = page.goto(f"{live.url}/campaigns/{campaign_id}/dashboard")
    assert refused is not None and refused.status == 403
    assert browser_page.violations() == []
