"""Pure checks: value limits, ids and the parsing of MLflow trace JSON."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import RETRIEVER_SPAN, ROOT_SPAN, b64, trace_json
from workflow.kernel.errors import InvalidInput
from workflow.kernel.ids import hex_to_base64, span_id_to_hex
from workflow.kernel.values import ValueLimits, check_metadata, check_value
from workflow.traces.trace_format import parse_trace, record_fingerprint

LIMITS = ValueLimits(max_value_bytes=1000, max_value_depth=4)


def test_reference_span_ids_read_in_both_spellings():
    assert span_id_to_hex("yuHkTZk2bX0=") == "cae1e44d99366d7d"
    assert span_id_to_hex("cae1e44d99366d7d") == "cae1e44d99366d7d"
    assert hex_to_base64("cae1e44d99366d7d") == "yuHkTZk2bX0="


@given(st.binary(min_size=8, max_size=8))
def test_span_id_spellings_round_trip(raw):
    assert span_id_to_hex(hex_to_base64(raw.hex())) == raw.hex()


@pytest.mark.parametrize("bad", ["", "abc", b64("00") + "x", "zzzzzzzzzzzzzzzz"])
def test_bad_span_ids_are_refused(bad):
    with pytest.raises(InvalidInput):
        span_id_to_hex(bad)


def test_depth_and_size_limits():
    check_value([[["three"]]], LIMITS)
    with pytest.raises(InvalidInput, match="nested deeper than 4"):
        check_value([[[["five"]]]], LIMITS)
    with pytest.raises(InvalidInput, match="larger than 1000"):
        check_value("x" * 1000, LIMITS)


def test_deep_hostile_value_is_refused_without_recursion():
    value: list = []
    for _ in range(200_000):
        value = [value]
    with pytest.raises(InvalidInput, match="nested"):
        check_value(value, LIMITS)


def test_metadata_values_become_text_like_mlflow_keeps_them():
    assert check_metadata({"quality_checked": True, "n": 3}, ValueLimits()) == {
        "quality_checked": "true",
        "n": "3",
    }


def test_reference_trace_parses():
    record = parse_trace(trace_json("tr-1c2994f25414192ad39354dd6c33ab65"))
    assert [s.span_id for s in record.spans] == [ROOT_SPAN, RETRIEVER_SPAN]
    assert record.spans[1].parent_span_id == ROOT_SPAN
    assert record.experiment_id == "1"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t.pop("info"), "info"),
        (lambda t: t["info"].pop("trace_id"), "trace_id is required"),
        (lambda t: t["info"].update(trace_id="bad id!"), "invalid trace id"),
        (lambda t: t["info"].update(state="WEIRD"), "info.state"),
        (lambda t: t["info"].update(request_time="yesterday"), "RFC 3339"),
        (lambda t: t["data"].update(spans={}), "must be a list"),
        (lambda t: t["data"]["spans"][0].pop("name"), "no name"),
        (
            lambda t: t["data"]["spans"][1].update(span_id=t["data"]["spans"][0]["span_id"]),
            "same span_id",
        ),
        (lambda t: t["data"]["spans"][0].update(trace_id=b64("00" * 16)), "another trace"),
    ],
)
def test_malformed_traces_are_refused(mutate, message):
    trace = trace_json("tr-1c2994f25414192ad39354dd6c33ab65")
    mutate(trace)
    with pytest.raises(InvalidInput, match=message):
        parse_trace(trace)


def test_fingerprint_ignores_key_order():
    one = trace_json("tr-1c2994f25414192ad39354dd6c33ab65")
    two = {"data": one["data"], "info": dict(reversed(list(one["info"].items())))}
    assert record_fingerprint(parse_trace(one)) == record_fingerprint(parse_trace(two))
