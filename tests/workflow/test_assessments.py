"""Assessments as proposals, suggestions and feedback, on a real database."""

import pytest
from sqlmodel import Session, col, func, select

from tests.factories import (
    LIMITS,
    RETRIEVER_SPAN,
    feedback,
    human,
    judge,
    run_outbox,
    trace_json,
)
from workflow import assessments, traces
from workflow.identity.access import trusted
from workflow.imports import import_proposals
from workflow.kernel.entities import AssessmentChanges
from workflow.kernel.errors import AlreadyExists, InvalidInput, NotFound
from workflow.models import Assessment, AuditEntry, Item, OutboxMessage, ProposalRevision, Role


@pytest.fixture
def trace_id(session: Session) -> str:
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    return payload["info"]["trace_id"]


def log(session: Session, trace_id: str, draft):
    return assessments.log_assessment(
        session, trace_id=trace_id, draft=draft, by=trusted(draft.source_id), limits=LIMITS
    )


def nested(depth: int):
    value = "deep"
    for _ in range(depth):
        value = [value]
    return value


def count(session: Session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_human_expectation_becomes_a_proposal_for_its_item(session, trace_id):
    view = log(session, trace_id, human("expected_answer", "Paris", "ann1@x.com"))
    row = session.get(Assessment, view.assessment_id)
    item = session.get(Item, row.item_id)
    assert (view.role, view.valid, view.value) == (Role.PROPOSAL, True, "Paris")
    assert (item.trace_id, item.span_id, item.name, item.state) == (
        trace_id,
        "",
        "expected_answer",
        "collecting",
    )
    assert count(session, AuditEntry, AuditEntry.action == "proposal.submit") == 1
    # Below the quota of three nothing can happen: no evaluation is queued until the third.
    evaluations = OutboxMessage.task == "quorum.item.evaluate"
    assert count(session, OutboxMessage, evaluations) == 0
    log(session, trace_id, human("expected_answer", "Paris", "ann2@x.com"))
    assert count(session, OutboxMessage, evaluations) == 0
    log(session, trace_id, human("expected_answer", "Paris", "ann3@x.com"))
    assert count(session, OutboxMessage, evaluations) == 1


def test_second_expectation_of_an_annotator_is_an_edit_with_history(session, trace_id):
    first = log(session, trace_id, human("expected_answer", "Paris", "ann1@x.com"))
    second = log(session, trace_id, human("expected_answer", "Paris, France", "ann1@x.com"))
    assert second.assessment_id == first.assessment_id
    assert second.value == "Paris, France"
    history = session.exec(
        select(ProposalRevision.revision, ProposalRevision.value)
        .where(ProposalRevision.assessment_id == first.assessment_id)
        .order_by(col(ProposalRevision.revision))
    ).all()
    assert history == [(1, "Paris"), (2, "Paris, France")]
    live = count(session, Assessment, Assessment.role == Role.PROPOSAL)
    assert live == 1


def test_annotators_share_one_item(session, trace_id):
    for annotator in ("a@x", "b@x", "c@x"):
        log(session, trace_id, human("expected_answer", "Paris", annotator))
    assert count(session, Item) == 1
    assert count(session, Assessment, Assessment.role == Role.PROPOSAL) == 3


def test_span_level_proposal_names_its_own_item(session, trace_id):
    view = log(
        session,
        trace_id,
        human("expected_documents", ["doc1", "doc2"], "ann1@x.com", span_id=RETRIEVER_SPAN),
    )
    item = session.get(Item, session.get(Assessment, view.assessment_id).item_id)
    assert (view.span_id, item.span_id, view.value) == (
        RETRIEVER_SPAN,
        RETRIEVER_SPAN,
        ["doc1", "doc2"],
    )


def test_llm_judge_expectation_is_a_suggestion_without_an_item(session, trace_id):
    view = log(session, trace_id, judge("expected_answer", "Paris"))
    assert view.role == Role.SUGGESTION
    assert session.get(Assessment, view.assessment_id).item_id is None
    assert count(session, OutboxMessage) == 0


def test_feedback_is_stored_faithfully(session, trace_id):
    view = log(
        session,
        trace_id,
        feedback("correctness", {"score": 0.5, "tags": ["a"]}, rationale="half right"),
    )
    again = assessments.get_assessment(
        session, trace_id=trace_id, assessment_id=view.assessment_id, by=trusted("test")
    )
    assert (again.role, again.value, again.rationale) == (
        Role.FEEDBACK,
        {"score": 0.5, "tags": ["a"]},
        "half right",
    )


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (human("expected_answer", "x", "a@x", span_id="0000000000000000"), "not a span"),
        (human("expected_answer", "x", "a@x", span_id="nothex"), "invalid span id"),
        (human("", "x", "a@x"), "assessment_name"),
        (human("n", nested(20), "a@x"), "nested deeper"),
        (human("n", "x" * 70_000, "a@x"), "larger than"),
        (human("n", float("nan"), "a@x"), "finite JSON"),
        (human("n", "x", "a@x", assessment_id="b-123"), "assessment_id"),
        (human("n", "x", "a@x", metadata={f"k{i}": "v" for i in range(100)}), "metadata"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(session, trace_id, draft, message):
    with pytest.raises(InvalidInput, match=message):
        log(session, trace_id, draft)
    assert count(session, Assessment) == 0
    assert count(session, Item) == 0


def test_unknown_trace_is_not_found(session):
    with pytest.raises(NotFound):
        log(session, "tr-missing", human("n", "x", "a@x"))
    # With a span id too: the trace is missing, not the span.
    with pytest.raises(NotFound):
        log(session, "tr-missing", human("n", "x", "a@x", span_id=RETRIEVER_SPAN))
    assert count(session, Item) == 0


def test_a_proposal_logged_after_promotion_reads_superseded(session, trace_id):
    for annotator in ("a@x", "b@x", "c@x"):
        log(session, trace_id, human("expected_answer", "Paris", annotator))
    run_outbox(session)
    late = log(session, trace_id, human("expected_answer", "Lyon", "d@x"))
    other = log(session, trace_id, human("another_question", "Lyon", "d@x"))
    assert (late.valid, other.valid) == (False, True)


def test_duplicate_assessment_id_is_refused(session, trace_id):
    log(session, trace_id, feedback("f", 1, assessment_id="a-0123456789abcdef"))
    with pytest.raises(AlreadyExists):
        log(session, trace_id, judge("g", 1, assessment_id="a-0123456789abcdef"))


def test_update_of_a_proposal_is_a_new_revision(session, trace_id):
    view = log(session, trace_id, human("expected_answer", "Paris", "a@x"))
    updated = assessments.update_assessment(
        session,
        trace_id=trace_id,
        assessment_id=view.assessment_id,
        changes=AssessmentChanges(value="Lyon", sets_value=True, metadata={"why": "typo"}),
        by=trusted("a@x"),
        limits=LIMITS,
    )
    assert (updated.value, updated.metadata) == ("Lyon", {"why": "typo"})
    assert session.get(Assessment, view.assessment_id).revision == 2


def test_rename_moves_a_proposal_to_the_item_of_its_new_name(session, trace_id):
    view = log(session, trace_id, human("expected_answr", "Paris", "a@x"))
    assessments.update_assessment(
        session,
        trace_id=trace_id,
        assessment_id=view.assessment_id,
        changes=AssessmentChanges(name="expected_answer"),
        by=trusted("a@x"),
        limits=LIMITS,
    )
    row = session.get(Assessment, view.assessment_id)
    assert session.get(Item, row.item_id).name == "expected_answer"


def test_deleted_proposal_is_gone_but_its_history_stays(session, trace_id):
    view = log(session, trace_id, human("expected_answer", "Paris", "a@x"))
    assessments.delete_assessment(
        session, trace_id=trace_id, assessment_id=view.assessment_id, by=trusted("a@x")
    )
    with pytest.raises(NotFound):
        assessments.get_assessment(
            session, trace_id=trace_id, assessment_id=view.assessment_id, by=trusted("test")
        )
    assert count(session, ProposalRevision) == 1
    again = log(session, trace_id, human("expected_answer", "Lyon", "a@x"))
    assert again.assessment_id != view.assessment_id


def test_override_marks_the_suggestion_invalid_and_delete_restores_it(session, trace_id):
    suggestion = log(session, trace_id, judge("expected_answer", "Pariss"))
    correction = log(
        session,
        trace_id,
        judge("expected_answer", "Paris", overrides=suggestion.assessment_id),
    )
    listed = {
        v.assessment_id: v.valid
        for v in assessments.trace_assessments(session, trace_id=trace_id, by=trusted("test"))
    }
    assert listed == {suggestion.assessment_id: False, correction.assessment_id: True}
    assessments.delete_assessment(
        session, trace_id=trace_id, assessment_id=correction.assessment_id, by=trusted("t")
    )
    restored = assessments.get_assessment(
        session, trace_id=trace_id, assessment_id=suggestion.assessment_id, by=trusted("test")
    )
    assert restored.valid


def test_an_annotator_cannot_override_anothers_proposal(session, trace_id):
    theirs = log(session, trace_id, human("expected_answer", "Paris", "a@x"))
    with pytest.raises(InvalidInput, match="vote"):
        log(
            session,
            trace_id,
            human("expected_answer", "Lyon", "b@x", overrides=theirs.assessment_id),
        )


def proposal_rows(session: Session, trace_id: str) -> tuple[list, list]:
    """A trace's proposal history and audit entries, column by column, without ids and clocks
    (an entry's item id becomes whether it names its proposal's item)."""
    statement = select(Assessment.assessment_id, Assessment.item_id)
    items = dict(session.exec(statement.where(Assessment.trace_id == trace_id)).all())
    ids = list(items)
    revisions = session.exec(
        select(ProposalRevision)
        .where(col(ProposalRevision.assessment_id).in_(ids))
        .order_by(col(ProposalRevision.id))
    )
    entries = session.exec(
        select(AuditEntry).where(col(AuditEntry.subject_id).in_(ids)).order_by(col(AuditEntry.id))
    )
    audited = []
    for entry in entries:
        row = entry.model_dump(exclude={"id", "at", "subject_id"})
        row["details"]["item_id"] = row["details"]["item_id"] == items[entry.subject_id]
        audited.append(row)
    return (
        [row.model_dump(exclude={"id", "assessment_id", "created_at"}) for row in revisions],
        audited,
    )


def test_an_import_writes_a_proposals_rows_as_single_calls_do(session, trace_id):
    imported = trace_json()
    traces.register_traces(session, payloads=[imported], actor="test")
    drafts = [
        human("expected_answer", {"city": "Paris"}, "ann1@x.com", metadata={"k": "v"}),
        human("expected_answer", {"city": "Lyon"}, "ann1@x.com", rationale="second look"),
    ]
    for draft in drafts:
        log(session, trace_id, draft)
    import_proposals(
        session,
        entries=[(imported["info"]["trace_id"], draft) for draft in drafts],
        actor="ann1@x.com",
        limits=LIMITS,
        default_overlap=3,
    )
    single_revisions, single_entries = proposal_rows(session, trace_id)
    bulk_revisions, bulk_entries = proposal_rows(session, imported["info"]["trace_id"])
    assert bulk_revisions == single_revisions
    assert [entry["action"] for entry in single_entries] == ["proposal.submit", "proposal.edit"]
    assert all(entry["details"]["item_id"] for entry in single_entries)
    # An import's entries are marked, and otherwise the same.
    assert bulk_entries == [
        {**entry, "details": {**entry["details"], "bulk": True}} for entry in single_entries
    ]
