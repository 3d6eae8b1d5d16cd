"""The item pipeline on a real database: quota, evaluation, promotion, reopening."""

import pytest
from sqlmodel import Session, col, select

from tests.factories import propose, run_outbox, trace_json
from workflow import assessments, traces
from workflow.identity.access import trusted
from workflow.items import pipeline
from workflow.kernel.errors import InvalidInput
from workflow.models import Assessment, AuditEntry, Decision, Item, LabelSchema, Role


@pytest.fixture
def trace_id(session: Session) -> str:
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    return payload["info"]["trace_id"]


def canonicals(session: Session, trace_id: str) -> list[Assessment]:
    statement = select(Assessment).where(
        Assessment.trace_id == trace_id, Assessment.role == Role.CANONICAL
    )
    return list(session.exec(statement.order_by(col(Assessment.created_at))).all())


def test_below_quota_the_item_keeps_collecting(session, trace_id):
    item_id = propose(session, trace_id, "a@x", "Paris")
    propose(session, trace_id, "b@x", "Paris")
    run_outbox(session)
    assert session.get(Item, item_id).state == "collecting"
    assert session.exec(select(Decision)).all() == []


def test_agreement_promotes_one_canonical_expectation(session, trace_id):
    for annotator, value in [("a@x", "Paris"), ("b@x", "paris"), ("c@x", "Paris ")]:
        item_id = propose(session, trace_id, annotator, value)
    # Agreed and promoted in one transaction; the audit log keeps each step.
    assert pipeline.evaluate(session, item_id=item_id) == "promoted"
    steps = session.exec(
        select(AuditEntry.details)
        .where(AuditEntry.action == "item.transition", AuditEntry.subject_id == str(item_id))
        .order_by(col(AuditEntry.id))
    ).all()
    assert [(step["source"], step["target"]) for step in steps] == [
        ("collecting", "evaluating"),
        ("evaluating", "agreed"),
        ("agreed", "promoted"),
    ]
    assert pipeline.promote(session, item_id=item_id) == "promoted"  # nothing left to do
    (canonical,) = canonicals(session, trace_id)
    decision = session.get(Decision, canonical.decision_id)
    assert (decision.outcome, decision.method, decision.record["support"]["text"]) == (
        "agreed",
        "auto",
        "3 of 3",
    )
    assert canonical.meta["quorum.decision_id"] == str(decision.id)
    views = assessments.trace_assessments(session, trace_id=trace_id, by=trusted("test"))
    valid = [(v.role, v.value) for v in views if v.valid]
    assert valid == [(Role.CANONICAL, canonical.value)]


def test_running_the_task_twice_changes_nothing(session, trace_id):
    for annotator in ("a@x", "b@x", "c@x"):
        item_id = propose(session, trace_id, annotator, "Paris")
    run_outbox(session)
    pipeline.evaluate(session, item_id=item_id)
    pipeline.promote(session, item_id=item_id)
    assert len(canonicals(session, trace_id)) == 1
    assert len(session.exec(select(Decision)).all()) == 1


def test_disagreement_is_disputed_without_promotion(session, trace_id):
    for annotator, value in [
        ("a@x", "costs 5000 dollars"),
        ("b@x", "costs 500 dollars"),
        ("c@x", "costs 50 dollars"),
    ]:
        item_id = propose(session, trace_id, annotator, value)
    assert pipeline.evaluate(session, item_id=item_id) == "disputed"
    assert canonicals(session, trace_id) == []


def test_a_late_edit_reopens_and_a_new_canonical_overrides_the_old(session, trace_id):
    for annotator in ("a@x", "b@x", "c@x"):
        item_id = propose(session, trace_id, annotator, "Paris")
    run_outbox(session)
    for annotator in ("a@x", "b@x", "c@x"):
        propose(session, trace_id, annotator, "Lyon")
    run_outbox(session)
    assert session.get(Item, item_id).state == "promoted"
    old, new = canonicals(session, trace_id)
    assert (old.valid, new.valid, new.overrides, new.value) == (
        False,
        True,
        old.assessment_id,
        "Lyon",
    )
    assert session.get(Item, item_id).version > 0


def test_a_label_schema_refuses_values_it_does_not_accept_and_sets_the_quota(session, trace_id):
    spec = {"name": "verdict", "value_type": "categorical", "options": ["yes", "no"]}
    session.add(LabelSchema(name="verdict", value_type="categorical", spec=spec, overlap=2))
    session.flush()
    with pytest.raises(InvalidInput, match="does not fit label schema"):
        propose(session, trace_id, "a@x", "maybe", name="verdict")
    assert session.exec(select(Assessment)).all() == []
    for annotator in ("a@x", "b@x"):
        item_id = propose(session, trace_id, annotator, "yes", name="verdict")
    run_outbox(session)
    assert session.get(Item, item_id).state == "promoted"
