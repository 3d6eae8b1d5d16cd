"""Hidden annotator identities, end to end: with the committee hiding them, every route of the
access matrix, called as one of its reviewers, names no annotator of its disputed item and no
annotator on its campaign's dashboard; an admin, asking the same, reads the names."""

import re

import httpx
from sqlalchemy import text

from tests.api.test_access_matrix import build_world, call, rows
from tests.factories import LIMITS, human
from workflow import assessments, dashboard, review
from workflow.identity.access import trusted
from workflow.kernel.db import unit_of_work
from workflow.review.quorum_rule import QuorumRule

DISPUTERS = ("hidden-annotator-one", "hidden-annotator-two", "hidden-annotator-three")
NAMED = re.compile("hidden-annotator-")
# The dashboard's campaign is labelled by two members, whose names are short words: looked
# for as whole names on the dashboard's routes, where nothing else says them.
LABELLERS = re.compile(r"(?<![\w-])(ann|loader)(?![\w-])")


def hide_and_label(engine, world, drain) -> None:
    """The default committee (the world's disputed item's, and its campaigns') hides
    annotators; ann and loader label the dashboard's campaign and its figures are computed."""
    root = trusted("setup")
    with unit_of_work(engine) as session:
        review.set_committee(
            session,
            scope="default",
            members=["rev", "rev2"],
            actor="setup",
            rule=QuorumRule(hide_annotators=True),
        )
        trace_ids = session.execute(
            text("SELECT trace_id FROM items WHERE campaign_id = :c ORDER BY id"),
            {"c": world.closable},
        ).scalars()
        for trace_id, values in zip(trace_ids, [("yes", "no"), ("yes", "yes")], strict=False):
            for who, value in zip(("ann", "loader"), values, strict=True):
                assessments.log_assessment(
                    session,
                    trace_id=trace_id,
                    draft=human("verdict", value, who),
                    by=root,
                    limits=LIMITS,
                )
    drain()
    with unit_of_work(engine) as session:
        assert dashboard.snapshot(session, campaign_id=world.closable)


def test_a_reviewer_of_a_hiding_committee_is_told_no_annotators_name(live):
    key = live.app.state.runtime.settings.secret_key
    world, tokens = build_world(live.engine, key, live.drain, disputers=DISPUTERS)
    hide_and_label(live.engine, world, live.drain)
    leaks, reached = [], set()
    with httpx.Client(base_url=live.url, timeout=10) as client:
        for row in rows():
            response = call(client, world, row, "reviewer", tokens["reviewer"], key)
            live.drain()
            if response.status_code < 300:
                reached.add(f"{row.method} {row.path}")
            named = NAMED.search(response.text)
            if "dashboard" in row.path and response.status_code < 300:
                named = named or LABELLERS.search(response.text)
            if named:
                leaks.append(f"{row.method} {row.path}: {named.group(0)}")
        admin = call_as_admin(client, world, tokens["admin"])
    assert not leaks, "\n".join(leaks)
    # The walk reached what shows annotators to their reviewers: each says pseudonyms.
    for shown in (
        "GET /api/v1/reviewers/{reviewer_id}/items/{item_id}",
        "GET /api/v1/items/{item_id}/history",
        "GET /review/items/{item_id}",
        "GET /items/{item_id}/history",
        "GET /api/v1/campaigns/{campaign_id}/dashboard",
        "GET /campaigns/{campaign_id}/dashboard",
    ):
        assert shown in reached, shown
    assert set(DISPUTERS) <= set(admin["review"]) and {"ann", "loader"} <= set(admin["raters"])


def call_as_admin(client: httpx.Client, world, token: str) -> dict[str, list[str]]:
    """The names an admin reads on the disputed item's review and the dashboard's kappa."""
    headers = {"Authorization": f"Bearer {token}"}
    item = client.get(f"/api/v1/reviewers/rev/items/{world.item_id}", headers=headers).json()
    board = client.get(f"/api/v1/campaigns/{world.closable}/dashboard", headers=headers).json()
    (schema,) = board["figures"]["schemas"]
    return {
        "review": [p["annotator"] for p in item["proposals"]],
        "raters": schema["kappa"]["raters"],
    }
