"""Blind annotation, end to end: every route of the access matrix, called as an annotator who
has not answered, shows nothing of others' work on their campaign's items; a non-member
annotator is refused every campaign route."""

import httpx
from sqlalchemy import text

from tests.api.test_access_matrix import PEOPLE, Row, build_world, call, rows
from tests.factories import LIMITS, human, judge
from tests.identities import token_for
from workflow import assessments, campaigns
from workflow.identity.access import trusted
from workflow.items import label_schemas
from workflow.kernel.db import unit_of_work

MARK = "SECRET-"
OTHERS = ("p-one", "p-two", "p-three")


def plant_secrets(engine, trace_id: str, drain) -> list[int]:
    """On the matrix trace, two campaign items of ann's: one the others agreed on (so it has a
    canonical expectation), one with a single answer so far; and a judge's suggestion the
    campaign does not show. Returns the items' ids."""
    for name in OTHERS:
        token_for(engine, name, "annotator")
    root = trusted("setup")
    with unit_of_work(engine) as session:
        made = []
        for schema in ("secret_agreed", "secret_open"):
            spec = {"name": schema, "value_type": "text"}
            label_schemas.create_schema(session, spec=spec, overlap=None, actor="setup")
            made.append(
                campaigns.create_campaign(
                    session,
                    settings=campaigns.CampaignSettings(f"blind {schema}"),
                    by=root,
                    schemas=(campaigns.SchemaTarget(schema),),
                    traces=campaigns.TraceSelection(trace_ids=(trace_id,)),
                ).id
            )
            roles = {"ann": "annotator", **dict.fromkeys(OTHERS, "annotator")}
            campaigns.set_members(session, campaign_id=made[-1], roles=roles, by=trusted("setup"))
        answers = [("secret_agreed", who, f"{MARK}agreed") for who in OTHERS]
        answers.append(("secret_open", "p-one", f"{MARK}partial"))
        for schema, who, value in answers:
            assessments.log_assessment(
                session, trace_id=trace_id, draft=human(schema, value, who), by=root, limits=LIMITS
            )
        assessments.log_assessment(
            session,
            trace_id=trace_id,
            draft=judge("secret_open", f"{MARK}suggested"),
            by=root,
            limits=LIMITS,
        )
    drain()
    with engine.connect() as connection:
        states = dict(
            connection.execute(
                text("SELECT name, state FROM items WHERE name LIKE 'secret_%'")
            ).all()
        )
        assert states == {"secret_agreed": "promoted", "secret_open": "collecting"}, states
        return list(
            connection.execute(text("SELECT campaign_id FROM items WHERE name LIKE 'secret_%'"))
            .scalars()
            .all()
        )


def test_an_annotator_who_has_not_answered_sees_nothing_of_others_work(live):
    key = live.app.state.runtime.settings.secret_key
    world, tokens = build_world(live.engine, key, live.drain)
    plant_secrets(live.engine, world.trace_id, live.drain)
    leaks = []
    with httpx.Client(base_url=live.url, timeout=10) as client:
        for row in rows():
            response = call(client, world, row, "annotator", tokens["annotator"], key)
            live.drain()
            if MARK in response.text:
                leaks.append(f"{row.method} {row.path}: {response.status_code}")
        listed = client.get(
            "/api/v1/items",
            params={"trace_id": world.trace_id},
            headers={"Authorization": f"Bearer {tokens['annotator']}"},
        ).json()
    assert not leaks, "\n".join(leaks)
    # The campaign items ann has no seat on are not listed: their state would tell how far
    # the others got.
    assert not [item for item in listed["items"] if item["name"].startswith("secret_")]


def campaign_rows() -> list[Row]:
    return [
        row for row in rows() if "campaign" in row.path or row.path.startswith("/api/v1/queue/")
    ]


def test_a_non_member_annotator_is_refused_every_campaign_route(live):
    key = live.app.state.runtime.settings.secret_key
    world, _tokens = build_world(live.engine, key, live.drain)
    outsider = token_for(live.engine, "outsider", "annotator")
    seen = {}
    with httpx.Client(base_url=live.url, timeout=10) as client:
        for row in campaign_rows():
            if row.page:
                continue  # pages authenticate by session: tests/pages check them
            response = call(client, world, row, "outsider", outsider, key)
            seen[f"{row.method} {row.path}"] = response.status_code
    assert seen, "the matrix lists campaign routes"
    allowed_listing = {"GET /api/v1/campaigns"}
    wrong = {
        route: status
        for route, status in seen.items()
        if route not in allowed_listing and status not in (403, 404)
    }
    assert not wrong, wrong
    assert PEOPLE["annotator"][0] == "ann"
