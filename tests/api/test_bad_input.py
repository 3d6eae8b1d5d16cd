"""Bad input over HTTP: a clear 4xx in MLflow's error JSON, and nothing written."""

import json

import pytest
from sqlmodel import Session, col, func, select

from tests.factories import trace_json
from workflow.models import Assessment, AuditEntry, Item, OutboxMessage, ProposalRevision

TRACE = "tr-00000000000000000000000000000001"
ROUTE = f"/api/3.0/mlflow/traces/{TRACE}/assessments"


def expectation(**overrides) -> dict:
    body = {
        "assessment_name": "expected_answer",
        "trace_id": TRACE,
        "source": {"source_type": "HUMAN", "source_id": "a@x.com"},
        "expectation": {"value": "Paris"},
    }
    body.update(overrides)
    return {"assessment": body}


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def rows(engine) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Assessment, Item, ProposalRevision, OutboxMessage)
        )


@pytest.fixture
def registered(http, committed):
    http.post("/api/v1/traces", json=trace_json(TRACE)).raise_for_status()
    return committed


CASES = [
    (
        "unknown trace",
        "post",
        "/api/3.0/mlflow/traces/tr-nope/assessments",
        expectation(trace_id="tr-nope"),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    ),
    ("not JSON", "post", ROUTE, b"{not json", 400, "INVALID_PARAMETER_VALUE"),
    ("no assessment", "post", ROUTE, {"x": 1}, 400, "INVALID_PARAMETER_VALUE"),
    ("a list body", "post", ROUTE, [1, 2], 400, "INVALID_PARAMETER_VALUE"),
    (
        "unknown source type",
        "post",
        ROUTE,
        expectation(source={"source_type": "ORACLE", "source_id": "a"}),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "unspecified source type",
        "post",
        ROUTE,
        expectation(source={"source_type": "SOURCE_TYPE_UNSPECIFIED", "source_id": "a"}),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "no source id",
        "post",
        ROUTE,
        expectation(source={"source_type": "HUMAN"}),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "oversize value",
        "post",
        ROUTE,
        expectation(expectation={"value": "x" * 70_000}),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "too deep",
        "post",
        ROUTE,
        expectation(
            expectation={
                "serialized_value": {
                    "serialization_format": "JSON_FORMAT",
                    "value": json.dumps(nested(40)),
                }
            }
        ),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "hostile depth",
        "post",
        ROUTE,
        b'{"assessment": {"feedback": {"value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}}",
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "bad serialized JSON",
        "post",
        ROUTE,
        expectation(
            expectation={
                "serialized_value": {"serialization_format": "JSON_FORMAT", "value": "{oops"}
            }
        ),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "unknown serialization",
        "post",
        ROUTE,
        expectation(
            expectation={"serialized_value": {"serialization_format": "PICKLE", "value": "x"}}
        ),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "wrong span",
        "post",
        ROUTE,
        expectation(span_id="0123456789abcdef"),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    ("malformed span", "post", ROUTE, expectation(span_id="zz"), 400, "INVALID_PARAMETER_VALUE"),
    (
        "both kinds",
        "post",
        ROUTE,
        expectation(feedback={"value": 1}),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "null expectation",
        "post",
        ROUTE,
        expectation(expectation={"value": None}),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "trace mismatch",
        "post",
        ROUTE,
        expectation(trace_id="tr-other"),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "error on expectation",
        "post",
        ROUTE,
        expectation(expectation=None, feedback=None),
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "too large body",
        "post",
        ROUTE,
        b"[" + b"1," * 1_500_000 + b"1]",
        413,
        "REQUEST_LIMIT_EXCEEDED",
    ),
    (
        "unknown assessment",
        "get",
        f"{ROUTE}/a-0000000000000000",
        None,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    ),
    ("malformed assessment id", "get", f"{ROUTE}/nope", None, 404, "RESOURCE_DOES_NOT_EXIST"),
    (
        "patch unknown",
        "patch",
        f"{ROUTE}/a-0000000000000000",
        {"assessment": {"rationale": "x"}, "update_mask": "rationale"},
        404,
        "RESOURCE_DOES_NOT_EXIST",
    ),
    (
        "delete unknown",
        "delete",
        f"{ROUTE}/a-0000000000000000",
        None,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    ),
    ("unknown route", "get", "/api/3.0/mlflow/nothing-here", None, 404, "ENDPOINT_NOT_FOUND"),
    ("bad trace JSON", "post", "/api/v1/traces", {"info": {}}, 400, "INVALID_PARAMETER_VALUE"),
    (
        "page too large",
        "get",
        "/api/v1/traces?max_results=100000",
        None,
        400,
        "INVALID_PARAMETER_VALUE",
    ),
]

IMPORT = "/api/v1/imports/expectations"
GOOD = expectation()["assessment"]
# The bulk import, whose refusals must be whole: one bad entry and nothing of the batch is kept.
CASES += [
    (f"import: {name}", "post", IMPORT, body, status, code)
    for name, body, status, code in [
        ("not a list", {"assessment": GOOD}, 400, "INVALID_PARAMETER_VALUE"),
        ("null", b"null", 400, "INVALID_PARAMETER_VALUE"),
        ("not JSON", b"[{", 400, "INVALID_PARAMETER_VALUE"),
        ("nested too deep to parse", b"[" * 5000, 400, "INVALID_PARAMETER_VALUE"),
        ("an entry not an object", [GOOD, 1], 400, "INVALID_PARAMETER_VALUE"),
        ("a trace id not a string", [{**GOOD, "trace_id": 5}], 400, "INVALID_PARAMETER_VALUE"),
        ("no trace id", [{**GOOD, "trace_id": None}], 400, "INVALID_PARAMETER_VALUE"),
        ("unknown trace", [GOOD, {**GOOD, "trace_id": "tr-nope"}], 404, "RESOURCE_DOES_NOT_EXIST"),
        (
            "a value too deep",
            [GOOD, {**GOOD, "expectation": {"value": nested(40)}}],
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        ("a bad span id", [GOOD, {**GOOD, "span_id": "zz"}], 400, "INVALID_PARAMETER_VALUE"),
        (
            "a span of no trace",
            [GOOD, {**GOOD, "span_id": "0123456789abcdef"}],
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        (
            "an empty source id",
            [GOOD, {**GOOD, "source": {"source_type": "HUMAN", "source_id": ""}}],
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        (
            "a judge's expectation",
            [GOOD, {**GOOD, "source": {"source_type": "LLM_JUDGE", "source_id": "j"}}],
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        (
            "feedback",
            [GOOD, {**GOOD, "expectation": None, "feedback": {"value": 1}}],
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        (
            "one id twice",
            [{**GOOD, "assessment_id": "a-0123456789"}, {**GOOD, "assessment_id": "a-0123456789"}],
            400,
            "INVALID_PARAMETER_VALUE",
        ),
    ]
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_refused_with_a_clear_error_and_nothing_written(
    http, registered, method, path, body, status, code
):
    before = rows(registered)
    content = body if isinstance(body, bytes) else None
    payload = None if isinstance(body, bytes) or body is None else body
    response = http.request(
        method.upper(),
        path,
        content=content,
        json=payload,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code
    assert response.json()["message"]
    assert rows(registered) == before


def test_duplicate_assessment_id_is_409_not_500(http, registered):
    body = expectation(assessment_id="a-0123456789abcdef")
    assert http.post(ROUTE, json=body).status_code == 200
    before = rows(registered)
    again = http.post(
        ROUTE,
        json=expectation(
            assessment_id="a-0123456789abcdef", source={"source_type": "CODE", "source_id": "x"}
        ),
    )
    assert (again.status_code, again.json()["error_code"]) == (409, "RESOURCE_ALREADY_EXISTS")
    assert rows(registered) == before


def test_refusals_leave_no_audit_trail_of_changes(http, registered):
    http.post(ROUTE, json=expectation(span_id="0123456789abcdef"))
    with Session(registered) as session:
        actions = session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all()
    # The test admin's creation, its token and that token's first use come before.
    assert actions == ["user.create", "token.issue", "token.use", "traces.register"]
