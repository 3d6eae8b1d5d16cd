"""The committee on a real database: routing, votes, the quorum rule, escalation, reconciling."""

import pytest
from sqlmodel import Session, func, select, update

from tests.factories import (
    as_reviewer,
    disputed_item,
    proposal_of,
    propose,
    reviewers,
    run_outbox,
    trace_json,
    vote,
)
from workflow import assessments, review, traces
from workflow.identity.access import trusted
from workflow.items import pipeline
from workflow.kernel.errors import Conflict, Forbidden, InvalidInput
from workflow.models import (
    Decision,
    Item,
    LabelSchema,
    Notification,
    OutboxMessage,
    ReviewAssignment,
    Role,
)
from workflow.tasks.reconcile import reconcile

COMMITTEE = ["r1@x", "r2@x", "r3@x"]


@pytest.fixture
def trace_id(session: Session) -> str:
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    members = reviewers(session, *COMMITTEE)
    review.set_committee(session, scope="default", members=members, actor="test")
    return payload["info"]["trace_id"]


def count(session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_a_disputed_item_is_routed_to_every_member_once(session, trace_id):
    item_id = disputed_item(session, trace_id)
    item = session.get(Item, item_id)
    assert (item.state, item.review_round) == ("in_review", 1)
    assert review.assigned(session, item) == COMMITTEE
    assert count(session, Notification, Notification.event == "item.routed") == 3
    review.route(session, item_id=item_id)  # a duplicate delivery
    assert count(session, ReviewAssignment) == 3
    assert count(session, Notification, Notification.event == "item.routed") == 3


def test_a_majority_resolves_and_the_committee_value_is_promoted(session, trace_id):
    item_id = disputed_item(session, trace_id)
    paris = proposal_of(session, item_id, "a@x")
    vote(session, item_id, "r1@x", "proposal", assessment_id=paris)
    vote(session, item_id, "r2@x", "value", value="Paris")
    run_outbox(session)
    item = session.get(Item, item_id)
    assert item.state == "promoted"
    decision = pipeline.last_decision(session, item_id)
    assert (decision.outcome, decision.method, decision.value, decision.voters) == (
        "resolved",
        "committee",
        "Paris",
        ["r1@x", "r2@x"],
    )
    views = assessments.trace_assessments(session, trace_id=trace_id, by=trusted("test"))
    assert [(v.role, v.value, v.source_id) for v in views if v.valid] == [
        (Role.CANONICAL, "Paris", "quorum:committee")
    ]


def test_outsiders_and_late_votes_are_refused(session, trace_id):
    item_id = disputed_item(session, trace_id)
    with pytest.raises(Forbidden):
        vote(session, item_id, "a@x", "value", value="Paris")
    with pytest.raises(Forbidden):
        review.review_view(session, item_id=item_id, reviewer_id="a@x", by=as_reviewer("a@x"))
    with pytest.raises(InvalidInput, match="not a live proposal"):
        vote(session, item_id, "r1@x", "proposal", assessment_id="a-00000000")
    for reviewer in ("r1@x", "r2@x"):
        vote(session, item_id, reviewer, "value", value="Nice")
    run_outbox(session)
    with pytest.raises(Conflict, match="not in review"):
        vote(session, item_id, "r3@x", "value", value="Lyon")


def test_a_corrected_value_must_fit_the_schema(session, trace_id):
    spec = {"name": "verdict", "value_type": "categorical", "options": ["yes", "no", "unsure"]}
    session.add(LabelSchema(name="verdict", value_type="categorical", spec=spec, overlap=3))
    session.flush()
    for annotator, value in [("a@x", "yes"), ("b@x", "no"), ("c@x", "unsure")]:
        item_id = propose(session, trace_id, annotator, value, name="verdict")
    run_outbox(session)
    with pytest.raises(InvalidInput, match="does not fit"):
        vote(session, item_id, "r1@x", "value", value="perhaps")


def test_a_deadlock_escalates_once(session, trace_id):
    item_id = disputed_item(session, trace_id)
    vote(session, item_id, "r1@x", "value", value="Paris")
    vote(session, item_id, "r2@x", "value", value="Lyon")
    vote(session, item_id, "r3@x", "abstain")
    run_outbox(session)
    review.resolve(session, item_id=item_id)
    item = session.get(Item, item_id)
    assert (item.state, item.escalated_at is not None) == ("in_review", True)
    assert count(session, Notification, Notification.event == "item.escalated") == 1


def test_no_committee_means_escalation_not_silence(session, trace_id):
    review.set_committee(session, scope="default", members=[], actor="test")
    item_id = disputed_item(session, trace_id)
    assert count(session, Notification, Notification.event == "item.unstaffed") == 1
    assert session.get(Item, item_id).escalated_at is not None


def test_an_edit_during_review_reopens_into_a_new_round(session, trace_id):
    item_id = disputed_item(session, trace_id)
    vote(session, item_id, "r1@x", "value", value="Paris")
    propose(session, trace_id, "c@x", "Marseille")
    run_outbox(session)
    item = session.get(Item, item_id)
    assert (item.state, item.review_round) == ("in_review", 2)
    view = review.review_view(session, item_id=item_id, reviewer_id="r1@x", by=as_reviewer("r1@x"))
    assert view.my_vote is None  # votes belong to their round


def test_the_reconciler_redrives_idle_items_and_dead_letters_poison(session, trace_id):
    for annotator, value in [("a@x", "Paris"), ("b@x", "Lyon"), ("c@x", "Nice")]:
        item_id = propose(session, trace_id, annotator, value)
    assert pipeline.evaluate(session, item_id=item_id) == "disputed"
    # Every message lost: marked done without running, so the item sits in "disputed".
    session.exec(update(OutboxMessage).values(completed_at=OutboxMessage.created_at))
    poison = OutboxMessage(task="quorum.item.evaluate", payload={"item_id": item_id}, attempts=5)
    session.add(poison)
    session.flush()
    report = reconcile(session, redeliver_after=60, stuck_after=0, max_attempts=5)
    assert (report.redriven, report.dead_lettered) == (1, 1)
    run_outbox(session)
    assert session.get(Item, item_id).state == "in_review"
    assert count(session, Decision) == 1
