"""The loop through the real client: three annotators agree, evaluation sees one expectation."""

import mlflow
from mlflow.entities import AssessmentSource, Expectation
from mlflow.entities.assessment_source import AssessmentSourceType

from tests.factories import trace_json


def human(annotator: str) -> AssessmentSource:
    return AssessmentSource(source_type=AssessmentSourceType.HUMAN, source_id=annotator)


def test_agreed_item_is_promoted_and_evaluation_sees_only_the_canonical(live, http):
    trace = trace_json()
    trace_id = trace["info"]["trace_id"]
    http.post("/api/v1/traces", json=trace).raise_for_status()
    mlflow.set_tracking_uri(live.url)
    for annotator in ("a@x.com", "b@x.com", "c@x.com"):
        mlflow.log_expectation(
            trace_id=trace_id,
            name="expected_extraction",
            value={"company": "TechCorp Inc.", "employees": 150, "topics": ["a", "b"]},
            source=human(annotator),
        )
    live.drain()
    (seen,) = mlflow.get_trace(trace_id).search_assessments(name="expected_extraction")
    assert seen.value == {"company": "TechCorp Inc.", "employees": 150, "topics": ["a", "b"]}
    assert seen.source.source_id == "quorum:auto"
    assert seen.metadata["quorum.method"] == "auto"
    info = http.get(f"/api/3.0/mlflow/traces/{trace_id}").json()["trace"]["trace_info"]
    assert [(a["valid"], a["source"]["source_id"]) for a in info["assessments"]] == [
        (True, "quorum:auto")
    ]
    superseded = sorted(a["source"]["source_id"] for a in info["superseded_assessments"])
    assert superseded == ["a@x.com", "b@x.com", "c@x.com"]
    assert all(a["valid"] is False for a in info["superseded_assessments"])
    proposal = info["superseded_assessments"][0]["assessment_id"]
    assert (
        mlflow.get_assessment(trace_id=trace_id, assessment_id=proposal).value["employees"] == 150
    )


def test_update_keeps_rationale_and_uses_the_mask(live, http):
    trace = trace_json()
    trace_id = trace["info"]["trace_id"]
    http.post("/api/v1/traces", json=trace).raise_for_status()
    mlflow.set_tracking_uri(live.url)
    logged = mlflow.log_expectation(
        trace_id=trace_id,
        name="expected_answer",
        value="Paris",
        source=human("a@x.com"),
        metadata={"confidence": "high"},
    )
    route = f"/api/3.0/mlflow/traces/{trace_id}/assessments/{logged.assessment_id}"
    patched = http.patch(
        route,
        json={
            "assessment": {
                "rationale": "capital city",
                "metadata": {"checked": "yes"},
                "expectation": {"value": "ignored: not in the mask"},
            },
            "update_mask": "rationale,metadata",
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()["assessment"]
    assert body["rationale"] == "capital city"
    assert body["metadata"] == {"confidence": "high", "checked": "yes"}
    assert body["expectation"] == {"value": "Paris"}
    mlflow.update_assessment(
        trace_id=trace_id,
        assessment_id=logged.assessment_id,
        assessment=Expectation(name="expected_answer", value="Paris, France"),
    )
    assert http.get(route).json()["assessment"]["rationale"] == "capital city"
    assert (
        mlflow.get_assessment(trace_id=trace_id, assessment_id=logged.assessment_id).value
        == "Paris, France"
    )


def test_feedback_round_trips_with_validity(live, http):
    trace = trace_json()
    trace_id = trace["info"]["trace_id"]
    http.post("/api/v1/traces", json=trace).raise_for_status()
    mlflow.set_tracking_uri(live.url)
    first = mlflow.log_feedback(
        trace_id=trace_id, name="quality", value={"score": 3, "ok": True}, rationale="fine"
    )
    second = mlflow.override_feedback(
        trace_id=trace_id,
        assessment_id=first.assessment_id,
        value={"score": 4, "ok": True},
        rationale="better",
    )
    old = mlflow.get_assessment(trace_id=trace_id, assessment_id=first.assessment_id)
    new = mlflow.get_assessment(trace_id=trace_id, assessment_id=second.assessment_id)
    assert (old.valid, new.valid, new.overrides) == (False, True, first.assessment_id)
    assert new.value == {"score": 4, "ok": True}
    assert new.rationale == "better"
