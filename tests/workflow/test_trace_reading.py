"""Reading a trace for a domain expert, pure: attributes decoded, spans nested by parent (odd
parents included), the request and response found, long values folded."""

import json

from tests.factories import RETRIEVER_SPAN, ROOT_SPAN, trace_json
from workflow.kernel.entities import SpanView
from workflow.traces.reading import FOLD_AT, MAX_DEPTH, decode, fold, read_trace, readable
from workflow.traces.trace_format import parse_trace


def views(payload) -> tuple[SpanView, ...]:
    record = parse_trace(payload)
    return tuple(SpanView(s.span_id, s.parent_span_id, s.name, s.data) for s in record.spans)


def span(span_id: str, parent: str | None, **attributes) -> SpanView:
    return SpanView(span_id, parent, f"span {span_id}", {"attributes": attributes})


def names(nodes) -> list:
    return [(node.name, names(node.children)) for node in nodes]


def test_an_mlflow_trace_reads_as_its_request_response_and_span_tree():
    payload = trace_json()
    root = payload["data"]["spans"][0]
    root["attributes"]["mlflow.spanOutputs"] = json.dumps("Paris")
    root["attributes"]["mlflow.spanType"] = json.dumps("CHAIN")
    read = read_trace(payload["info"]["trace_id"], payload["info"], views(payload), RETRIEVER_SPAN)
    assert read.request.head == "q: capital of France?"
    assert read.response.head == "Paris"
    (answer,) = read.spans
    assert (answer.span_id, answer.name, answer.span_type) == (ROOT_SPAN, "answer", "CHAIN")
    assert answer.duration_ms == 44.738174
    (retrieve,) = answer.children
    assert (retrieve.span_type, retrieve.inputs, retrieve.outputs) == ("RETRIEVER", None, None)
    assert (answer.focus, answer.on_path, retrieve.focus, retrieve.on_path) == (
        False,
        True,
        True,
        True,
    )


def test_without_root_span_values_the_request_comes_from_the_info_block():
    info = {
        "trace_metadata": {"mlflow.traceInputs": '{"q": "cut short', "mlflow.traceOutputs": "4"},
        "request_preview": "ignored while the metadata has it",
    }
    read = read_trace("tr-1", info, (span("a", None),))
    assert (read.request.head, read.response.head) == ('{"q": "cut short', "4")
    read = read_trace("tr-1", {"request_preview": "asked", "response_preview": None}, ())
    assert (read.request.head, read.response, read.spans) == ("asked", None, ())


def test_values_read_as_lines_not_as_escaped_json():
    value = {
        "ticket": "ZD-1",
        "message": "Hi,\n\nthanks",
        "tags": ["a", {"b": 1, "c": "x"}],
        "none": [],
    }
    assert readable(value).split("\n") == [
        "ticket: ZD-1",
        "message:",
        "  Hi,",
        "",
        "  thanks",
        "tags:",
        "  - a",
        "  - b: 1",
        "    c: x",
        "none: []",
    ]
    assert readable(None) == "null" and readable("<b>as typed</b>") == "<b>as typed</b>"
    assert decode('"CHAIN"') == "CHAIN" and decode("not json") == "not json"
    assert decode(7) == 7


def test_a_long_value_is_folded_near_the_limit_at_a_line_break():
    short = fold("x" * FOLD_AT)
    assert (short.head, short.rest) == ("x" * FOLD_AT, "")
    lines = "\n".join(["y" * 99] * 10)  # ten lines of a hundred characters
    folded = fold(lines)
    assert folded.head.endswith("\n") and len(folded.head) == 600
    assert folded.head + folded.rest == lines
    unbroken = fold("z" * 1000)
    assert (len(unbroken.head), len(unbroken.rest)) == (FOLD_AT, 400)


def test_odd_parents_still_show_every_span_once():
    spans = (
        span("a", None),
        span("b", "a"),
        span("orphan", "missing"),
        span("self", "self"),
        span("c1", "c2"),
        span("c2", "c1"),
        span("d", "c1"),
    )
    tree = read_trace("tr-1", {}, spans).spans
    assert names(tree) == [
        ("span a", [("span b", [])]),
        ("span orphan", []),
        ("span self", []),
        ("span c1", [("span c2", []), ("span d", [])]),
    ]


def test_a_very_deep_trace_is_nested_to_a_limit_then_listed():
    chain = [span("0", None)] + [span(str(i), str(i - 1)) for i in range(1, MAX_DEPTH + 5)]
    node = read_trace("tr-1", {}, tuple(chain), focus=str(MAX_DEPTH + 4)).spans[0]
    for _ in range(MAX_DEPTH):
        (node,) = node.children
    assert [child.name for child in node.children] == [
        f"span {i}" for i in range(MAX_DEPTH + 1, MAX_DEPTH + 5)
    ]
    assert node.children[-1].focus and all(not child.children for child in node.children)


def test_failed_spans_and_undecodable_attributes_read_plainly():
    failed = SpanView(
        "e",
        None,
        "tool",
        {
            "status": {"code": "STATUS_CODE_ERROR"},
            "attributes": {"mlflow.spanType": "TOOL", "mlflow.spanInputs": "{broken"},
        },
    )
    (node,) = read_trace("tr-1", {}, (failed,)).spans
    assert (node.status, node.span_type, node.inputs.head, node.duration_ms) == (
        "error",
        "TOOL",
        "{broken",
        None,
    )
