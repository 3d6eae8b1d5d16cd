"""db.insert_each: rows for several tables, in order, one statement on PostgreSQL."""

from sqlalchemy import event
from sqlmodel import select

from tests.factories import human, trace_json
from workflow import traces
from workflow.kernel.db import insert_each
from workflow.models import Assessment, AuditEntry, ProposalRevision, Role
from workflow.models.base import column_values, utcnow


def test_a_row_and_the_rows_that_refer_to_it_go_in_together(session):
    payload = trace_json()
    trace_id = payload["info"]["trace_id"]
    traces.register_traces(session, payloads=[payload], actor="test")
    draft = human("answer", {"city": "Paris"}, "a@x")
    proposal = Assessment.from_draft(trace_id, draft, Role.PROPOSAL)
    revision = {
        "assessment_id": proposal.assessment_id,  # refers to the row inserted just before
        "revision": 1,
        "value": {"city": "Paris"},
        "rationale": None,
        "metadata": {"k": "v"},
        "actor": "a@x",
        "created_at": utcnow(),
    }
    entry = {
        "at": utcnow(),
        "actor": "a@x",
        "action": "proposal.submit",
        "subject_type": "assessment",
        "subject_id": proposal.assessment_id,
        "details": {"revision": 1},
    }
    statements = []
    engine = session.get_bind().engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        insert_each(
            session,
            [
                (Assessment.__table__, column_values(proposal)),
                (ProposalRevision.__table__, revision),
                (AuditEntry.__table__, entry),
            ],
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == (1 if engine.dialect.name == "postgresql" else 3)
    stored = session.exec(select(Assessment).where(Assessment.trace_id == trace_id)).one()
    kept = session.exec(select(ProposalRevision)).one()
    audited = session.exec(select(AuditEntry).where(AuditEntry.action == "proposal.submit")).one()
    assert (stored.value, stored.role) == ({"city": "Paris"}, Role.PROPOSAL)
    assert (kept.assessment_id, kept.value, kept.meta) == (
        proposal.assessment_id,
        {"city": "Paris"},
        {"k": "v"},
    )
    assert (audited.subject_id, audited.details) == (proposal.assessment_id, {"revision": 1})
