"""A dispute raised before its committee has members is visible, escalated to the leads, and
assigned as soon as the committee has members: by setting the committee, or by the reconciler."""

import pytest
from sqlmodel import Session, select

from tests.factories import (
    disputed_item,
    proposal_of,
    registered_trace,
    reviewers,
    run_outbox,
    vote,
)
from workflow import review
from workflow.models import CommitteeMember, Item, Notification, ReviewAssignment
from workflow.review import unstaffed
from workflow.tasks.reconcile import reconcile

COMMITTEE = ["r1@x", "r2@x", "r3@x"]


@pytest.fixture
def trace_id(session: Session) -> str:
    return registered_trace(session)


def notices(session: Session, item_id: int) -> set[tuple[str, str]]:
    rows = session.exec(select(Notification).where(Notification.item_id == item_id))
    return {(n.event, n.recipient) for n in rows}


def assignees(session: Session, item: Item) -> list[str]:
    rows = session.exec(
        select(ReviewAssignment.reviewer_id).where(
            ReviewAssignment.item_id == item.id,
            ReviewAssignment.review_round == item.review_round,
        )
    )
    return sorted(rows)


def test_an_unstaffed_dispute_is_listed_counted_and_escalated(session, trace_id):
    item_id = disputed_item(session, trace_id)
    item = session.get(Item, item_id)
    assert item.state == "in_review" and item.escalated_at is not None
    assert unstaffed.count(session) == 1
    [waiting] = unstaffed.waiting(session, limit=10)
    assert (waiting.item_id, waiting.trace_id, waiting.name) == (item_id, trace_id, item.name)
    assert ("item.unstaffed", "role:leads") in notices(session, item_id)


def test_setting_the_committee_assigns_the_waiting_dispute(session, trace_id):
    item_id = disputed_item(session, trace_id)
    members = reviewers(session, *COMMITTEE)
    review.set_committee(session, scope="default", members=members, actor="lead")
    run_outbox(session)
    item = session.get(Item, item_id)
    assert assignees(session, item) == COMMITTEE
    assert item.escalated_at is None and unstaffed.count(session) == 0
    assert {("item.routed", m) for m in COMMITTEE} <= notices(session, item_id)
    # The committee can now settle it, and it is promoted as any other.
    paris = proposal_of(session, item_id, "a@x")
    for member in COMMITTEE[:2]:
        vote(session, item_id, member, "proposal", assessment_id=paris)
    run_outbox(session)
    assert session.get(Item, item_id).state == "promoted"


def test_a_committee_for_another_name_leaves_it_waiting(session, trace_id):
    item_id = disputed_item(session, trace_id, name="expected_answer")
    members = reviewers(session, *COMMITTEE)
    review.set_committee(session, scope="expected_facts", members=members, actor="lead")
    run_outbox(session)
    assert assignees(session, session.get(Item, item_id)) == []
    assert unstaffed.count(session) == 1


def test_the_reconciler_assigns_a_dispute_whose_committee_appeared(session, trace_id):
    item_id = disputed_item(session, trace_id)
    # Members written without set_committee (by an older version, or by hand in the database).
    session.add_all(
        CommitteeMember(scope="default", reviewer_id=m) for m in reviewers(session, *COMMITTEE)
    )
    session.flush()
    report = reconcile(session, redeliver_after=60, stuck_after=60, max_attempts=5)
    assert report.redriven == 1
    run_outbox(session)
    assert assignees(session, session.get(Item, item_id)) == COMMITTEE
    # Once staffed, later passes find nothing to do.
    assert reconcile(session, redeliver_after=60, stuck_after=60, max_attempts=5).redriven == 0
