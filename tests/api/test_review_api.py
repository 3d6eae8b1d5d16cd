"""The committee over HTTP with the embedded worker: schema, committee, dispute, votes."""

import json

from tests.factories import TAGGED_TICKET, trace_json
from tests.identities import bearer, token_for


def propose(http, trace_id: str, annotator: str, value, name: str = "verdict") -> None:
    """`annotator`'s expectation through the MLflow route: a scalar in `value`, a dict or a
    list serialized, as the mlflow client sends them."""
    if isinstance(value, dict | list):
        serialized = {"serialization_format": "JSON_FORMAT", "value": json.dumps(value)}
        expectation = {"serialized_value": serialized}
    else:
        expectation = {"value": value}
    response = http.post(
        f"/api/3.0/mlflow/traces/{trace_id}/assessments",
        json={
            "assessment": {
                "assessment_name": name,
                "source": {"source_type": "HUMAN", "source_id": annotator},
                "expectation": expectation,
            }
        },
    )
    assert response.status_code == 200, response.text


def test_a_dispute_goes_to_the_committee_and_its_majority_is_promoted(live, http):
    spec = {"name": "verdict", "value_type": "categorical", "options": ["yes", "no"]}
    created = http.post("/api/v1/label-schemas", json={"spec": spec, "overlap": 2})
    assert created.status_code == 201, created.text
    assert http.post("/api/v1/label-schemas", json={"spec": spec}).status_code == 409
    tokens = {name: token_for(live.engine, name, "reviewer") for name in ("r1@x", "r2@x", "r3@x")}
    as_reviewer = {name: bearer(token) for name, token in tokens.items()}
    members = {"members": ["r1@x", "r2@x", "r3@x"]}
    assert http.put("/api/v1/committees/verdict", json=members).json()["members"] == [
        "r1@x",
        "r2@x",
        "r3@x",
    ]
    trace = trace_json()
    trace_id = trace["info"]["trace_id"]
    http.post("/api/v1/traces", json=trace).raise_for_status()
    propose(http, trace_id, "a@x", "yes")
    propose(http, trace_id, "b@x", "no")
    live.drain()

    (queued,) = http.get("/api/v1/reviewers/r1@x/queue", headers=as_reviewer["r1@x"]).json()[
        "items"
    ]
    item_id = queued["item_id"]
    assert http.get(f"/api/v1/items/{item_id}").json()["state"] == "in_review"
    view = http.get(f"/api/v1/reviewers/r1@x/items/{item_id}", headers=as_reviewer["r1@x"]).json()
    assert sorted(p["value"] for p in view["proposals"]) == ["no", "yes"]
    assert http.get(f"/api/v1/reviewers/a@x/items/{item_id}").status_code == 403
    bad = http.post(
        f"/api/v1/reviewers/r1@x/items/{item_id}/vote",
        json={"choice": "value", "value": "maybe"},
        headers=as_reviewer["r1@x"],
    )
    assert (bad.status_code, bad.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    outsider = http.post(f"/api/v1/reviewers/z@x/items/{item_id}/vote", json={"choice": "abstain"})
    assert (outsider.status_code, outsider.json()["error_code"]) == (403, "PERMISSION_DENIED")

    yes = next(p["assessment_id"] for p in view["proposals"] if p["value"] == "yes")
    for reviewer in ("r1@x", "r2@x"):
        cast = http.post(
            f"/api/v1/reviewers/{reviewer}/items/{item_id}/vote",
            json={"choice": "proposal", "assessment_id": yes, "comment": "clear"},
            headers=as_reviewer[reviewer],
        )
        assert cast.status_code == 200, cast.text
    live.drain()
    item = http.get(f"/api/v1/items/{item_id}").json()
    assert (item["state"], item["decision"]["method"], item["decision"]["value"]) == (
        "promoted",
        "committee",
        "yes",
    )
    info = http.get(f"/api/3.0/mlflow/traces/{trace_id}").json()["trace"]["trace_info"]
    assert [(a["expectation"], a["valid"]) for a in info["assessments"]] == [
        ({"value": "yes"}, True)
    ]
    # The item's history tells it all, in order, with who did what.
    history = http.get(f"/api/v1/items/{item_id}/history").json()
    told = [(e["event"], e["actor"], e["details"]) for e in history["entries"]]
    # The test's admin wrote both proposals, on the annotators' behalf.
    assert [(event, who, d["annotator"]) for event, who, d in told[:2]] == [
        ("proposal.submitted", "tester", "a@x"),
        ("proposal.submitted", "tester", "b@x"),
    ]
    votes = [(who, d["value"], d["comment"]) for event, who, d in told if event == "vote.cast"]
    assert votes == [("r1@x", "yes", "clear"), ("r2@x", "yes", "clear")]
    versions = [(d["value"], d["current"]) for event, _, d in told if event == "canonical.version"]
    assert versions == [("yes", True)]


def test_health_reports_the_backlog(live, http):
    health = http.get("/health").json()
    assert health["status"] == "ok"
    assert {
        "queue_depth",
        "outbox_pending",
        "oldest_pending_age_s",
        "dead_lettered",
        "last_reconcile_at",
    } <= set(health)
    live.app.state.runtime.embedded.reconcile_now()
    assert http.get("/health").json()["last_reconcile_at"] is not None


def dispute_without_committee(live, http) -> str:
    """Two annotators split on a two-annotator "verdict" while no committee has members; the
    item is in review with nobody on its round. Returns its trace id."""
    spec = {"name": "verdict", "value_type": "categorical", "options": ["yes", "no", "maybe"]}
    http.post("/api/v1/label-schemas", json={"spec": spec, "overlap": 2}).raise_for_status()
    trace = trace_json()
    http.post("/api/v1/traces", json=trace).raise_for_status()
    propose(http, trace["info"]["trace_id"], "a@x", "yes")
    propose(http, trace["info"]["trace_id"], "b@x", "no")
    live.drain()
    return trace["info"]["trace_id"]


def test_a_dispute_before_any_committee_is_shown_and_assigned_once_members_are_seated(live, http):
    trace_id = dispute_without_committee(live, http)

    assert http.get("/health").json()["unstaffed_disputes"] == 1
    waiting = http.get("/api/v1/disputes/unstaffed").json()
    assert waiting["total"] == 1
    [item] = waiting["items"]
    assert (item["trace_id"], item["name"]) == (trace_id, "verdict")

    reviewer = bearer(token_for(live.engine, "r1@x", "reviewer"))
    assert http.put("/api/v1/committees/default", json={"members": ["r1@x"]}).status_code == 200
    live.drain()
    assert http.get("/health").json()["unstaffed_disputes"] == 0
    queue = http.get("/api/v1/reviewers/r1@x/queue", headers=reviewer).json()["items"]
    assert [q["item_id"] for q in queue] == [item["item_id"]]


def test_an_annotator_reads_an_open_items_status_without_its_decisions_value(live, http):
    dispute_without_committee(live, http)
    [item] = http.get("/api/v1/disputes/unstaffed").json()["items"]
    annotator = bearer(token_for(live.engine, "c@x", "annotator"))
    seen = http.get(f"/api/v1/items/{item['item_id']}", headers=annotator).json()
    assert seen["state"] == "in_review"
    assert (seen["decision"]["outcome"], seen["decision"]["value"]) == ("disputed", None)
    assert seen["decision"]["voters"] == []
    lead = http.get(f"/api/v1/items/{item['item_id']}").json()
    # The engine's leading value, which would tell the annotator what the others said.
    assert (lead["decision"]["outcome"], lead["decision"]["value"]) == ("disputed", "yes")


def test_a_committee_is_given_a_rule_and_a_campaigns_committee_is_its_leads_to_set(live, http):
    for name in ("r1@x", "r2@x"):
        token_for(live.engine, name, "reviewer")
    chaired = {
        "members": ["r1@x", "r2@x"],
        "rule": "chair_breaks_ties",
        "chair": "r1@x",
        "hide_annotators": True,
    }
    put = http.put("/api/v1/committees/default", json=chaired)
    assert put.status_code == 200, put.text
    assert http.get("/api/v1/committees/default").json() == {
        "scope": "default",
        "members": ["r1@x", "r2@x"],
        "rule": "chair_breaks_ties",
        "min_votes": 1,
        "chair": "r1@x",
        "deadline_hours": None,
        "hide_annotators": True,
    }
    refused = http.put("/api/v1/committees/default", json={**chaired, "chair": None})
    assert (refused.status_code, refused.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert http.get("/api/v1/committees/default").json()["chair"] == "r1@x"
    assert (
        http.put("/api/v1/committees/default", json={**chaired, "rule": "mob"}).status_code == 400
    )

    made = http.post("/api/v1/campaigns", json={"name": "answers", "overlap": 2})
    assert made.status_code == 201, made.text
    scope = f"campaign:{made.json()['id']}"
    unanimous = {"members": ["r1@x"], "rule": "unanimity"}
    assert http.put(f"/api/v1/committees/{scope}", json=unanimous).status_code == 200
    other_lead = bearer(token_for(live.engine, "lena", "lead"))
    outsider = http.put(f"/api/v1/committees/{scope}", json=unanimous, headers=other_lead)
    assert outsider.status_code == 404
    unanimous_now = http.get(f"/api/v1/committees/{scope}").json()
    assert (unanimous_now["rule"], unanimous_now["hide_annotators"]) == ("unanimity", False)


def test_the_queue_sorts_most_contested_first_and_filters_by_a_disputed_field(live, http):
    ticket = {**TAGGED_TICKET, "fields": TAGGED_TICKET["fields"][:2]}
    verdict = {"name": "verdict", "value_type": "categorical", "options": ["yes", "no"]}
    for spec, overlap in [(verdict, 2), (ticket, 3)]:
        http.post("/api/v1/label-schemas", json={"spec": spec, "overlap": overlap})
    reviewer = bearer(token_for(live.engine, "r1@x", "reviewer"))
    http.put("/api/v1/committees/default", json={"members": ["r1@x"]}).raise_for_status()
    trace = trace_json()
    trace_id = trace["info"]["trace_id"]
    http.post("/api/v1/traces", json=trace).raise_for_status()
    propose(http, trace_id, "a@x", "yes")  # the older item, split 1-1: contest 0.5
    propose(http, trace_id, "b@x", "no")
    for annotator, priority in [("a@x", 1), ("b@x", 2), ("c@x", 3)]:  # 1-1-1: contest 2/3
        propose(http, trace_id, annotator, {"intent": "refund", "priority": priority}, "ticket")
    live.drain()

    def queue(**params):
        return http.get("/api/v1/reviewers/r1@x/queue", params=params, headers=reviewer)

    first = queue(order="contested", limit=1).json()
    second = queue(order="contested", limit=1, after=first["next_page_token"]).json()
    shown = [(q["name"], q["contest"]) for q in first["items"] + second["items"]]
    assert shown == [("ticket", 0.666667), ("verdict", 0.5)]
    assert second["next_page_token"] is None
    assert [q["name"] for q in queue().json()["items"]] == ["verdict", "ticket"]
    by_field = queue(field="priority").json()
    assert ([q["name"] for q in by_field["items"]], by_field["total"]) == (["ticket"], 1)
    assert queue(field="intent").json()["total"] == 0

    oldest_token = queue(limit=1).json()["next_page_token"]
    for params in [
        {"order": "newest"},
        {"order": "contested", "after": oldest_token},
        {"order": "contested", "after": "bm90IGEgY3Vyc29y"},
        {"after": first["next_page_token"]},
        {"field": ""},
    ]:
        refused = queue(**params)
        assert refused.status_code == 400, params
        assert refused.json()["error_code"] == "INVALID_PARAMETER_VALUE"
