"""Field-level votes over HTTP: a structured dispute puts its disputed field and its contested
list element to the vote one by one; votes on anything else are refused with nothing stored;
the resolved value is the settled field plus the voted ones, and the decision says per field
how it was decided."""

from tests.api.test_review_api import propose
from tests.factories import SPLIT_TICKETS, TAGGED_TICKET, trace_json
from tests.identities import bearer, token_for

PROPOSED = dict(zip(("ann", "bob"), SPLIT_TICKETS, strict=True))
REVIEWERS = ("r1@x", "r2@x", "r3@x")


def disputed_ticket(live, http) -> tuple[int, dict[str, dict[str, str]]]:
    http.post(
        "/api/v1/label-schemas", json={"spec": TAGGED_TICKET, "overlap": 2}
    ).raise_for_status()
    headers = {name: bearer(token_for(live.engine, name, "reviewer")) for name in REVIEWERS}
    http.put("/api/v1/committees/ticket", json={"members": list(REVIEWERS)}).raise_for_status()
    trace = trace_json()
    http.post("/api/v1/traces", json=trace).raise_for_status()
    for annotator, value in PROPOSED.items():
        propose(http, trace["info"]["trace_id"], annotator, value, name="ticket")
    live.drain()
    (queued,) = http.get("/api/v1/reviewers/r1@x/queue", headers=headers["r1@x"]).json()["items"]
    return queued["item_id"], headers


def test_a_structured_dispute_is_voted_field_by_field_and_element_by_element(live, http):
    item_id, headers = disputed_ticket(live, http)
    review = f"/api/v1/reviewers/r1@x/items/{item_id}"
    view = http.get(review, headers=headers["r1@x"]).json()
    contested = {c["path"]: c for c in view["contested"]}
    assert sorted(contested) == ["priority", "tags[urgent]"]
    assert (contested["priority"]["kind"], contested["tags[urgent]"]["kind"]) == (
        "field",
        "element",
    )
    said = {p["annotator"]: (p["present"], p["value"]) for p in contested["priority"]["proposed"]}
    assert said == {"ann": (True, 1), "bob": (True, 3)}
    held = {p["annotator"]: p["present"] for p in contested["tags[urgent]"]["proposed"]}
    assert held == {"ann": True, "bob": False}
    assert contested["priority"]["spec"]["max_value"] == 3
    assert (view["my_field_votes"], view["problem"]) == ([], None)

    def cast(reviewer: str, body: dict):
        return http.post(
            f"/api/v1/reviewers/{reviewer}/items/{item_id}/vote",
            json=body,
            headers=headers[reviewer],
        )

    refused = [
        ({"field": "intent", "choice": "value", "value": "exchange"}, "not a disputed field"),
        ({"field": "nope", "choice": "abstain"}, "not a disputed field"),
        ({"field": "priority", "choice": "value", "value": 7}, "above the maximum 3"),
        ({"field": "priority", "choice": "value", "value": "high"}, "expected a number"),
        ({"field": "priority", "choice": "keep"}, "one of: proposal, value, abstain"),
        ({"field": "tags[urgent]", "choice": "value", "value": True}, "one of: keep, drop"),
        ({"field": "priority", "choice": "proposal", "assessment_id": "a-0"}, "not a live"),
        (
            {
                "choice": "value",
                "value": {"intent": "exchange", "priority": 2, "tags": ["billing"]},
            },
            "changes what the proposals agree on (intent)",
        ),
    ]
    for body, reason in refused:
        answer = cast("r1@x", body)
        assert (answer.status_code, answer.json()["error_code"]) == (
            400,
            "INVALID_PARAMETER_VALUE",
        ), body
        assert reason in answer.json()["message"], (body, answer.json())
    assert http.get(review, headers=headers["r1@x"]).json()["my_field_votes"] == []

    bob = next(
        p["assessment_id"] for p in contested["priority"]["proposed"] if p["annotator"] == "bob"
    )
    first = cast("r1@x", {"field": "priority", "choice": "value", "value": 2, "comment": "mid"})
    assert first.status_code == 200, first.text
    assert (first.json()["field"], first.json()["value"]) == ("priority", 2)
    assert cast("r2@x", {"field": "priority", "choice": "value", "value": 2}).status_code == 200
    assert (
        cast("r3@x", {"field": "priority", "choice": "proposal", "assessment_id": bob}).status_code
        == 200
    )
    assert cast("r1@x", {"field": "tags[urgent]", "choice": "keep"}).status_code == 200
    live.drain()
    # The priority is decided, the element not yet: the item waits.
    assert http.get(f"/api/v1/items/{item_id}").json()["state"] == "in_review"
    mine = http.get(review, headers=headers["r1@x"]).json()["my_field_votes"]
    assert [(v["field"], v["choice"]) for v in mine] == [
        ("priority", "value"),
        ("tags[urgent]", "keep"),
    ]
    assert cast("r2@x", {"field": "tags[urgent]", "choice": "keep"}).status_code == 200
    live.drain()

    item = http.get(f"/api/v1/items/{item_id}").json()
    assert item["state"] == "promoted"
    assert item["decision"]["value"] == {
        "intent": "refund",
        "priority": 2,
        "tags": ["billing", "urgent"],
    }
    history = http.get(f"/api/v1/items/{item_id}/history").json()["entries"]
    (resolved,) = [e for e in history if e["event"] == "decision.resolved"]
    fields = {f["path"]: f for f in resolved["details"]["record"]["fields"]}
    assert (fields["priority"]["value"], fields["priority"]["support"]) == (
        2,
        {"count": 2, "of": 3},
    )
    assert (fields["tags[urgent]"]["kept"], fields["tags[urgent]"]["voters"]) == (
        True,
        ["r1@x", "r2@x"],
    )
    cast_fields = [e["details"]["field"] for e in history if e["event"] == "vote.cast"]
    assert cast_fields == ["priority", "priority", "priority", "tags[urgent]", "tags[urgent]"]
