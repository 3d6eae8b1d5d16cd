"""No input makes the server answer 500: Hypothesis throws shaped and shapeless bodies at it."""

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import trace_json
from tests.identities import bearer

TRACE = "tr-00000000000000000000000000000002"

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
maybe = lambda strategy: st.none() | strategy | json_values  # noqa: E731
sources = st.fixed_dictionaries(
    {},
    optional={
        "source_type": maybe(st.sampled_from(["HUMAN", "LLM_JUDGE", "CODE", "AI_JUDGE", ""])),
        "source_id": maybe(st.text(max_size=300)),
    },
)
expectations = st.fixed_dictionaries(
    {},
    optional={
        "value": json_values,
        "serialized_value": maybe(
            st.fixed_dictionaries(
                {
                    "serialization_format": maybe(st.just("JSON_FORMAT")),
                    "value": maybe(st.text(max_size=30) | json_values.map(repr)),
                }
            )
        ),
    },
)
assessments = st.fixed_dictionaries(
    {},
    optional={
        "assessment_id": maybe(st.from_regex(r"a-[0-9a-f]{8,40}", fullmatch=True)),
        "assessment_name": maybe(st.text(max_size=300)),
        "trace_id": maybe(st.just(TRACE)),
        "span_id": maybe(st.sampled_from(["cae1e44d99366d7d", "8baa12146d72ae58", "zz"])),
        "source": maybe(sources),
        "expectation": maybe(expectations),
        "feedback": maybe(
            st.fixed_dictionaries({}, optional={"value": json_values, "error": json_values})
        ),
        "rationale": maybe(st.text(max_size=30)),
        "metadata": maybe(st.dictionaries(st.text(max_size=10), json_values, max_size=4)),
        "overrides": maybe(st.from_regex(r"a-[0-9a-f]{16}", fullmatch=True)),
        "update_mask": maybe(st.text(max_size=30)),
    },
)
VALID = {
    "assessment_name": "expected_answer",
    "source": {"source_type": "HUMAN", "source_id": "a@x.com"},
    "expectation": {"value": "Paris"},
}
ASSESSMENTS = f"/api/3.0/mlflow/traces/{TRACE}/assessments"
SEEDED = f"/ajax-api/3.0/mlflow/traces/{TRACE}/assessments/a-0123456789abcdef"

# Mostly-valid bodies with some fields fuzzed, so both acceptance and refusal are exercised.
creates = assessments.map(lambda fuzz: {"assessment": {**VALID, **fuzz}})
patches = st.fixed_dictionaries(
    {"assessment": assessments},
    optional={"update_mask": maybe(st.sampled_from(["rationale", "expectation,metadata", "x"]))},
)
requests = st.one_of(
    st.tuples(st.just("POST"), st.just(ASSESSMENTS), creates | json_values),
    st.tuples(st.just("PATCH"), st.just(SEEDED), patches | json_values),
    st.tuples(
        st.sampled_from(["GET", "DELETE"]),
        st.sampled_from([SEEDED, f"/api/3.0/mlflow/traces/{TRACE}", "/api/3.0/mlflow/traces/get"]),
        st.none(),
    ),
    st.tuples(st.just("POST"), st.just("/api/v1/traces"), json_values),
)


def test_no_request_is_answered_with_a_server_error(live, http):
    http.post("/api/v1/traces", json=trace_json(TRACE)).raise_for_status()
    seed = {"assessment": {**VALID, "assessment_id": "a-0123456789abcdef"}}
    http.post(ASSESSMENTS, json=seed).raise_for_status()
    seen: set[int] = set()

    @settings(
        max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(requests)
    def check(request):
        method, path, body = request
        try:
            response = http.request(method, path, json=body)
        except ValueError:  # a float httpx cannot encode as JSON: not a request at all
            return
        seen.add(response.status_code)
        assert response.status_code < 500, (method, path, body, response.text)
        if response.status_code >= 400:
            assert response.json()["error_code"]

    check()
    assert {200, 400} <= seen  # the fuzz reached both acceptance and refusal


def test_a_refused_request_body_that_is_not_json_at_all(live):
    response = httpx.post(
        f"{live.url}/api/3.0/mlflow/traces/{TRACE}/assessments",
        content=b"\xff\xfe garbage",
        headers={"content-type": "application/json", **bearer(live.token)},
    )
    assert (response.status_code, response.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
