"""The bulk import: the same stored result as one call per entry, all or nothing, few statements."""

import json

from sqlalchemy import func
from sqlmodel import Session, col, select

from tests.api.test_statement_counts import counted
from tests.factories import RETRIEVER_SPAN, trace_json
from workflow.models import (
    Assessment,
    AuditEntry,
    Decision,
    Item,
    OutboxMessage,
    ProposalRevision,
    Role,
)

IMPORT = "/api/v1/imports/expectations"

# (name, span, annotator, value, rationale, metadata): new proposals, an edit of a stored one,
# an edit of one made earlier in the same batch, span-level and structured values.
ENTRIES = [
    ("expected_answer", None, "a1@x", "Paris", None, None),
    ("expected_answer", None, "a2@x", "paris", "capital", None),
    ("expected_answer", None, "a0@x", "Paris ", None, {"batch": "7"}),
    ("expected_documents", RETRIEVER_SPAN, "a0@x", ["d1", "d2"], None, None),
    ("expected_documents", RETRIEVER_SPAN, "a1@x", ["d1", "d2"], None, None),
    ("expected_documents", RETRIEVER_SPAN, "a0@x", ["d1"], "second thoughts", None),
    ("expected_documents", RETRIEVER_SPAN, "a2@x", ["d1"], None, None),
    ("expected_behavior", None, "a0@x", {"tone": "formal", "max": 150}, None, {"k": "v"}),
]


def assessment(trace_id, name, span, annotator, value, rationale=None, metadata=None) -> dict:
    body = {
        "trace_id": trace_id,
        "assessment_name": name,
        "source": {"source_type": "HUMAN", "source_id": annotator},
        "expectation": {"value": value},
    }
    if span:
        body["span_id"] = span
    if rationale:
        body["rationale"] = rationale
    if metadata:
        body["metadata"] = metadata
    return body


def new_trace(http) -> str:
    payload = trace_json()
    http.post("/api/v1/traces", json=payload).raise_for_status()
    trace_id = payload["info"]["trace_id"]
    # Stored before the batch, so the batch edits it.
    stored = assessment(trace_id, "expected_answer", None, "a0@x", "Lyon", "first guess")
    http.post(f"/api/3.0/mlflow/traces/{trace_id}/assessments", json={"assessment": stored})
    return trace_id


def snapshot(engine, trace_id: str) -> dict:
    """Everything the workflow stored for a trace, without ids and clocks."""
    with Session(engine) as session:
        items = session.exec(select(Item).where(Item.trace_id == trace_id)).all()
        result = {}
        for item in items:
            rows = session.exec(
                select(Assessment).where(
                    Assessment.item_id == item.id, col(Assessment.deleted_at).is_(None)
                )
            ).all()
            proposals = sorted(
                (r.source_id, json.dumps(r.value), r.revision, r.rationale, r.meta)
                for r in rows
                if r.role == Role.PROPOSAL
            )
            history = sorted(
                (
                    r.source_id,
                    rev.revision,
                    json.dumps(rev.value),
                    rev.rationale,
                    rev.meta,
                    rev.actor,
                )
                for r in rows
                for rev in session.exec(
                    select(ProposalRevision).where(
                        ProposalRevision.assessment_id == r.assessment_id
                    )
                )
            )
            entries = session.exec(
                select(AuditEntry).where(
                    col(AuditEntry.subject_id).in_([r.assessment_id for r in rows]),
                    col(AuditEntry.action).startswith("proposal."),
                )
            )
            audited = sorted(audit_entry(entry, item.id) for entry in entries)
            # The last decision only: how many came before depends on when the worker ran
            # between single calls, which an import (one evaluation) cannot reproduce.
            decisions = [
                (d.outcome, json.dumps(d.value))
                for d in session.exec(
                    select(Decision)
                    .where(Decision.item_id == item.id)
                    .order_by(col(Decision.id).desc())
                    .limit(1)
                )
            ]
            canonical = [json.dumps(r.value) for r in rows if r.role == Role.CANONICAL and r.valid]
            key = (item.span_id, item.name)
            result[key] = (item.state, proposals, history, audited, decisions, canonical)
        return result


def audit_entry(entry: AuditEntry, item_id: int) -> tuple:
    """A proposal's audit entry without its clock, ids, or the mark an import adds."""
    details = {key: value for key, value in entry.details.items() if key != "bulk"}
    of_item = details.pop("item_id") == item_id
    return (entry.action, entry.actor, entry.subject_type, of_item, sorted(details.items()))


def test_an_import_stores_what_one_call_per_entry_stores(live, http, committed):
    one_by_one, imported = new_trace(http), new_trace(http)
    for name, span, annotator, value, rationale, metadata in ENTRIES:
        body = assessment(one_by_one, name, span, annotator, value, rationale, metadata)
        route = f"/api/3.0/mlflow/traces/{one_by_one}/assessments"
        http.post(route, json={"assessment": body}).raise_for_status()
    batch = [assessment(imported, *entry) for entry in ENTRIES]
    response = http.post(IMPORT, json=batch)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "imported": 8,
        "created": 6,
        "edited": 2,
        "items": 3,
        "evaluations_queued": 2,  # the answer and the documents reached three annotators
    }
    live.drain()
    expected = snapshot(committed, one_by_one)
    assert snapshot(committed, imported) == expected
    states = sorted(state for state, *_ in expected.values())
    assert states == ["collecting", "promoted", "promoted"]


def test_json_lines_are_taken_too(live, http, committed):
    trace_id = new_trace(http)
    lines = "\n".join(json.dumps(assessment(trace_id, *entry)) for entry in ENTRIES) + "\n"
    headers = {"content-type": "application/x-ndjson"}
    response = http.post(IMPORT, content=lines, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == len(ENTRIES)


def row_counts(engine) -> list[int]:
    with Session(engine) as session:
        tables = (Assessment, ProposalRevision, AuditEntry, Item, OutboxMessage)
        return [session.exec(select(func.count()).select_from(t)).one() for t in tables]


def test_one_bad_entry_refuses_the_whole_batch_and_names_it(live, http, committed):
    trace_id = new_trace(http)
    live.drain()
    good = [assessment(trace_id, *entry) for entry in ENTRIES]
    before = row_counts(committed)
    judge = {"source_type": "LLM_JUDGE", "source_id": "judge"}
    refusals = {
        "entry 8: exactly one of expectation or feedback must be given": [
            *good,
            {**good[0], "expectation": None},
        ],
        "entry 2: only HUMAN expectations": [*good[:2], {**good[2], "source": judge}],
        "entry 0: trace_id is required": [{**good[0], "trace_id": None}],
        "spans not in their trace": [{**good[3], "span_id": "0123456789abcdef"}],
        "the body must be a JSON list": {"not": "a list"},
    }
    for message, body in refusals.items():
        response = http.post(IMPORT, json=body)
        assert response.status_code == 400, response.text
        assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        assert message in response.json()["message"]
    unknown = http.post(IMPORT, json=[{**good[0], "trace_id": "tr-unknown"}])
    assert unknown.status_code == 404 and "tr-unknown" in unknown.json()["message"]
    not_json = http.post(IMPORT, content=b"[{", headers={"content-type": "application/json"})
    assert not_json.status_code == 400
    assert row_counts(committed) == before


def test_the_statements_of_an_import_do_not_grow_with_its_size(live, http, committed):
    trace_ids = [new_trace(http) for _ in range(40)]
    live.drain()

    def batch(traces: list[str]) -> list[dict]:
        return [assessment(t, *entry) for t in traces for entry in ENTRIES]

    with counted(committed) as small:
        http.post(IMPORT, json=batch(trace_ids[:2])).raise_for_status()
    with counted(committed) as large:
        http.post(IMPORT, json=batch(trace_ids[2:])).raise_for_status()  # 19 times the entries
    assert len(small) == len(large), (small, large)
