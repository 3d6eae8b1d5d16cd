"""The shipped sample traces: MLflow and Quorum both read them, and they register as a batch."""

import json
from collections import Counter

from mlflow.entities import Trace as MlflowTrace
from sqlmodel import func, select

from workflow import traces
from workflow.models import Span
from workflow.traces.samples import sample_traces
from workflow.traces.trace_format import parse_trace

KINDS = {
    ("CHAIN", "answer_question"): 12,  # RAG answers
    ("CHAIN", "extract_ticket_fields"): 12,  # field extraction
    ("AGENT", "support_agent"): 12,  # tool calls
}


def root_span(trace: dict) -> dict:
    (root,) = (span for span in trace["data"]["spans"] if span["parent_span_id"] is None)
    return root


def test_every_sample_parses_with_mlflow_and_with_quorum():
    samples = sample_traces()
    assert len(samples) == 36
    for sample in samples:
        mlflow_trace = MlflowTrace.from_dict(sample)
        record = parse_trace(sample)
        assert mlflow_trace.info.trace_id == record.trace_id == sample["info"]["trace_id"]
        assert len(mlflow_trace.data.spans) == len(record.spans) == len(sample["data"]["spans"])


def test_three_kinds_of_twelve_by_root_span():
    kinds = Counter(
        (json.loads(root["attributes"]["mlflow.spanType"]), root["name"])
        for root in map(root_span, sample_traces())
    )
    assert kinds == KINDS


def test_trace_ids_and_span_ids_are_unique():
    samples = sample_traces()
    ids = [sample["info"]["trace_id"] for sample in samples]
    assert len(set(ids)) == len(ids) == 36
    span_ids = [span.span_id for sample in samples for span in parse_trace(sample).spans]
    assert len(set(span_ids)) == len(span_ids)


def test_samples_register_in_one_batch(session):
    samples = sample_traces()
    result = traces.register_traces(session, payloads=samples, actor="demo")
    assert sorted(result.created) == sorted(sample["info"]["trace_id"] for sample in samples)
    stored = session.exec(select(func.count()).select_from(Span)).one()
    assert stored == sum(len(sample["data"]["spans"]) for sample in samples)
    again = traces.register_traces(session, payloads=samples, actor="demo")
    assert (again.created, len(again.existing)) == ((), 36)
