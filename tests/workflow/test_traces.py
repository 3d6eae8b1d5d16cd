"""Trace registration on a real database: idempotent, all-or-nothing."""

import copy

import pytest
from sqlmodel import Session, func, select

from tests.factories import RETRIEVER_SPAN, ROOT_SPAN, trace_json
from workflow import traces
from workflow.kernel.errors import AlreadyExists, InvalidInput, NotFound
from workflow.models import Span, Trace


def register(session: Session, *payloads):
    return traces.register_traces(session, payloads=list(payloads), actor="test")


def test_trace_and_spans_are_stored_with_hex_span_ids(session):
    payload = trace_json()
    result = register(session, payload)
    view = traces.get_trace(session, trace_id=payload["info"]["trace_id"])
    assert result.created == (payload["info"]["trace_id"],)
    assert [(s.span_id, s.parent_span_id, s.name) for s in view.spans] == [
        (ROOT_SPAN, None, "answer"),
        (RETRIEVER_SPAN, ROOT_SPAN, "retrieve"),
    ]
    assert view.info["execution_duration_ms"] == 45


def test_registering_again_changes_nothing(session):
    payload = trace_json()
    register(session, payload)
    again = register(session, payload, payload)
    assert (again.created, again.existing) == ((), (payload["info"]["trace_id"],))
    assert session.exec(select(func.count()).select_from(Span)).one() == 2


def test_conflicting_content_for_a_known_id_is_refused(session):
    payload = trace_json()
    register(session, payload)
    changed = copy.deepcopy(payload)
    changed["info"]["state"] = "ERROR"
    with pytest.raises(AlreadyExists):
        register(session, changed)


def test_one_bad_trace_refuses_the_whole_batch(session):
    bad = trace_json()
    bad["data"]["spans"][1]["span_id"] = "not-an-id"
    with pytest.raises(InvalidInput, match="trace #1"):
        register(session, trace_json(), bad)
    assert session.exec(select(func.count()).select_from(Trace)).one() == 0


def test_listing_pages_by_trace_id(session):
    ids = sorted(trace_json()["info"]["trace_id"] for _ in range(5))
    register(session, *(trace_json(trace_id) for trace_id in ids))
    first = traces.list_traces(session, limit=3)
    second = traces.list_traces(session, limit=3, page_token=first.next_page_token)
    assert [t.trace_id for t in first.items + second.items] == ids
    assert second.next_page_token is None


def test_unknown_trace_is_not_found(session):
    with pytest.raises(NotFound):
        traces.get_trace(session, trace_id="tr-nope")
