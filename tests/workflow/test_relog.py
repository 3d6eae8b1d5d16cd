"""An identical re-log changes nothing, end to end; an evaluation that confirms the decision in
force records nothing new."""

import pytest
from sqlmodel import Session, func, select

from tests.factories import LIMITS, human, propose, registered_trace, run_outbox
from workflow import assessments, imports
from workflow.identity.access import trusted
from workflow.models import Assessment, AuditEntry, Decision, Item, OutboxMessage, ProposalRevision
from workflow.models.assessments import Role

EXPERTS = ["a@company.com", "b@company.com", "c@company.com"]


@pytest.fixture
def trace_id(session: Session) -> str:
    return registered_trace(session)


def count(session: Session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def figures(session: Session) -> dict[str, int]:
    return {
        "decisions": count(session, Decision),
        "canonical": count(session, Assessment, Assessment.role == Role.CANONICAL),
        "revisions": count(session, ProposalRevision),
        "evaluations": count(session, OutboxMessage),
        "audit": count(session, AuditEntry),
    }


def test_the_readme_snippet_four_times_decides_once(session, trace_id):
    runs = []
    for _ in range(4):
        for expert in EXPERTS:
            item_id = propose(session, trace_id, expert, "Paris")
        run_outbox(session)
        runs.append(figures(session))
    first = runs[0]
    assert runs == [first] * 4
    assert first["decisions"] == first["canonical"] == 1
    assert first["revisions"] == 3
    assert session.get(Item, item_id).state == "promoted"
    revisions = session.exec(select(Assessment.revision).where(Assessment.role == Role.PROPOSAL))
    assert set(revisions) == {1}


def test_an_identical_relog_is_answered_with_the_stored_proposal(session, trace_id):
    def log():
        return assessments.log_assessment(
            session,
            trace_id=trace_id,
            draft=human("expected_answer", {"city": "Paris", "n": 1}, "a@company.com"),
            by=trusted("a@company.com"),
            limits=LIMITS,
        )

    first = log()
    again = log()
    assert (again.assessment_id, again.value) == (first.assessment_id, first.value)
    assert count(session, ProposalRevision) == 1


def test_a_late_agreeing_annotator_leaves_the_decision_in_force(session, trace_id):
    for expert in EXPERTS:
        propose(session, trace_id, expert, "Paris")
    run_outbox(session)
    before = figures(session)
    item_id = propose(session, trace_id, "d@company.com", "Paris")
    run_outbox(session)
    after = figures(session)
    assert (after["decisions"], after["canonical"]) == (before["decisions"], before["canonical"])
    assert session.get(Item, item_id).state == "promoted"


def test_a_value_that_differs_only_in_type_is_a_new_revision(session, trace_id):
    propose(session, trace_id, "a@company.com", 1)
    propose(session, trace_id, "a@company.com", 1.0)
    propose(session, trace_id, "a@company.com", True)
    assert count(session, ProposalRevision) == 3


def test_an_import_of_what_is_stored_changes_nothing(session, trace_id):
    for expert in EXPERTS:
        propose(session, trace_id, expert, "Paris")
    run_outbox(session)
    before = figures(session)
    entries = [(trace_id, human("expected_answer", "Paris", expert)) for expert in EXPERTS]
    result = imports.import_proposals(
        session, entries=entries, actor="importer", limits=LIMITS, default_overlap=3
    )
    run_outbox(session)
    assert (result.created, result.edited, result.evaluations) == (0, 0, 0)
    after = figures(session)
    # Only the import's own audit entry is new.
    assert {**after, "audit": after["audit"] - 1} == before
