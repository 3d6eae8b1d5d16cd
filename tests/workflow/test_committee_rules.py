"""Committees and their rules on a real database: a campaign's own committee reviews its
items first, the rule a committee is given decides, a chair settles a final tie, and a round
past its deadline escalates to the chair, then the leads."""

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.factories import (
    disputed_item,
    propose,
    queue_campaign,
    reviewers,
    run_outbox,
    trace_json,
    vote,
)
from workflow import campaigns, review, traces
from workflow.identity import users
from workflow.identity.access import trusted
from workflow.items import pipeline
from workflow.kernel.errors import InvalidInput
from workflow.models import CommitteeRule, Item, Notification
from workflow.models.base import as_utc, utcnow
from workflow.review import QuorumRule, Rule, deadlines
from workflow.tasks.reconcile import reconcile

THREE_WAY = {"name": "verdict3", "value_type": "categorical", "options": ["yes", "no", "maybe"]}


def registered(session) -> str:
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    return payload["info"]["trace_id"]


def test_the_chair_breaks_a_three_way_tie_and_the_decision_says_so(session):
    members = reviewers(session, "chair@x", "r2@x", "r3@x")
    chaired = QuorumRule(Rule.CHAIR_BREAKS_TIES, chair="chair@x")
    review.set_committee(session, scope="default", members=members, actor="test", rule=chaired)
    item_id = disputed_item(session, registered(session))
    vote(session, item_id, "r2@x", "value", value="Paris")
    vote(session, item_id, "r3@x", "value", value="Lyon")
    run_outbox(session)
    assert session.get(Item, item_id).state == "in_review"  # the chair has not voted yet
    vote(session, item_id, "chair@x", "value", value="Nice")
    run_outbox(session)
    assert session.get(Item, item_id).state == "promoted"
    decision = pipeline.last_decision(session, item_id)
    assert (decision.value, decision.algorithm) == ("Nice", "quorum.committee.chair_breaks_ties")
    assert decision.record["chair_decided"] is True


def test_under_unanimity_a_majority_is_not_enough(session):
    members = reviewers(session, "r1@x", "r2@x", "r3@x")
    unanimous = QuorumRule(Rule.UNANIMITY)
    review.set_committee(session, scope="default", members=members, actor="test", rule=unanimous)
    item_id = disputed_item(session, registered(session))
    for reviewer, value in (("r1@x", "Paris"), ("r2@x", "Paris"), ("r3@x", "Lyon")):
        vote(session, item_id, reviewer, "value", value=value)
    run_outbox(session)
    item = session.get(Item, item_id)
    assert (item.state, item.escalated_at is not None) == ("in_review", True)
    vote(session, item_id, "r3@x", "value", value="Paris")  # a changed vote makes it unanimous
    run_outbox(session)
    assert session.get(Item, item_id).state == "promoted"


def test_a_campaigns_committee_reviews_its_items_before_the_default_one(session):
    reviewers(session, "d1@x", "c1@x", "c2@x")
    review.set_committee(session, scope="default", members=["d1@x"], actor="test")
    campaign_id, trace_ids = queue_campaign(session, traces=2, schema=THREE_WAY)
    scope = review.campaign_scope(campaign_id)
    review.set_committee(session, scope=scope, members=["c1@x", "c2@x"], actor="test")
    # A campaign item and, on the same trace, a campaign-free one (its authors are no members).
    for annotator, value in (("ann", "yes"), ("bob", "no"), ("cat", "maybe")):
        in_campaign = propose(session, trace_ids[0], annotator, value, name="verdict3")
        outside = propose(session, trace_ids[0], f"{annotator}@out", value, name="verdict3")
    run_outbox(session)
    assert session.get(Item, in_campaign).campaign_id == campaign_id
    assert review.assigned(session, session.get(Item, in_campaign)) == ["c1@x", "c2@x"]
    assert review.assigned(session, session.get(Item, outside)) == ["d1@x"]


def test_a_dispute_that_waited_goes_to_the_campaign_committee_once_it_has_members(session):
    campaign_id, trace_ids = queue_campaign(session, traces=1, schema=THREE_WAY)
    for annotator, value in (("ann", "yes"), ("bob", "no"), ("cat", "maybe")):
        item_id = propose(session, trace_ids[0], annotator, value, name="verdict3")
    run_outbox(session)
    assert review.assigned(session, session.get(Item, item_id)) == []  # nobody yet
    reviewers(session, "c1@x")
    scope = review.campaign_scope(campaign_id)
    review.set_committee(session, scope=scope, members=["c1@x"], actor="test")
    run_outbox(session)
    assert review.assigned(session, session.get(Item, item_id)) == ["c1@x"]


@pytest.mark.parametrize(
    "scope, rule, message",
    [
        ("default", QuorumRule(Rule.CHAIR_BREAKS_TIES), "needs a chair"),
        ("default", QuorumRule(chair="stranger@x"), "not a member"),
        ("default", QuorumRule(Rule.MAJORITY_OF_CAST, min_votes=0), "at least 1"),
        ("campaign:999999", QuorumRule(), "no campaign"),
        ("campaign:x", QuorumRule(), "no campaign"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_and_nothing_changes(session, scope, rule, message):
    members = reviewers(session, "r1@x")
    review.set_committee(session, scope="default", members=members, actor="test")
    with pytest.raises(InvalidInput, match=message):
        review.set_committee(session, scope=scope, members=members, actor="test", rule=rule)
    assert review.committee(session, "default") == ["r1@x"]
    assert review.rule_of(session, "default") == QuorumRule()
    assert session.exec(select(CommitteeRule.rule)).all() == ["strict_majority"]


def overdue(session, item_id: int) -> None:
    """The item's round as if its deadline passed a second ago."""
    item = session.get(Item, item_id)
    item.review_due_at = utcnow() - timedelta(seconds=1)
    session.add(item)
    session.flush()


def escalations(session, item_id: int) -> list[tuple[str, str]]:
    rows = session.exec(
        select(Notification.recipient, Notification.payload).where(
            Notification.item_id == item_id, Notification.event == "item.escalated"
        )
    ).all()
    return sorted((recipient, payload["to"]) for recipient, payload in rows)


def test_an_overdue_round_goes_to_the_chair_whose_vote_then_decides(session):
    members = reviewers(session, "chair@x", "r2@x", "r3@x")
    rule = QuorumRule(chair="chair@x", deadline_seconds=3600)
    review.set_committee(session, scope="default", members=members, actor="test", rule=rule)
    item_id = disputed_item(session, registered(session))
    due = as_utc(session.get(Item, item_id).review_due_at)
    assert timedelta(minutes=59) < due - utcnow() <= timedelta(hours=1)
    vote(session, item_id, "chair@x", "value", value="Nice")
    run_outbox(session)
    assert session.get(Item, item_id).state == "in_review"  # one vote of three decides nothing
    assert deadlines.escalate_overdue(session) == 0  # not due yet

    overdue(session, item_id)
    report = reconcile(session, redeliver_after=60, stuck_after=3600, max_attempts=5)
    assert report.reviews_escalated == 1
    item = session.get(Item, item_id)
    assert (item.escalation, item.review_due_at is not None) == (deadlines.TO_CHAIR, True)
    assert escalations(session, item_id) == [("chair@x", "chair")]
    run_outbox(session)  # the chair's vote, cast before, decides now
    assert session.get(Item, item_id).state == "promoted"
    decision = pipeline.last_decision(session, item_id)
    assert (decision.value, decision.record["chair_decided"]) == ("Nice", True)
    assert session.get(Item, item_id).review_due_at is None


def test_a_round_the_chair_lets_pass_goes_to_the_campaigns_leads(session):
    campaign_id, trace_ids = queue_campaign(session, traces=1, schema=THREE_WAY)
    reviewers(session, "chair@x", "r2@x")
    users.create_user(session, username="lena", role="lead", actor="test")
    roster = {"ann": "annotator", "bob": "annotator", "cat": "annotator", "lena": "lead"}
    campaigns.set_members(session, campaign_id=campaign_id, roles=roster, by=trusted("test"))
    rule = QuorumRule(chair="chair@x", deadline_seconds=600)
    scope = review.campaign_scope(campaign_id)
    review.set_committee(session, scope=scope, members=["chair@x", "r2@x"], actor="t", rule=rule)
    for annotator, value in (("ann", "yes"), ("bob", "no"), ("cat", "maybe")):
        item_id = propose(session, trace_ids[0], annotator, value, name="verdict3")
    run_outbox(session)
    overdue(session, item_id)
    assert deadlines.escalate_overdue(session) == 1
    assert deadlines.escalate_overdue(session) == 0  # a second pass: nothing more is due
    overdue(session, item_id)
    assert deadlines.escalate_overdue(session) == 1
    item = session.get(Item, item_id)
    assert (item.escalation, item.review_due_at, item.state) == (2, None, "in_review")
    assert item.escalated_at is not None
    assert escalations(session, item_id) == [("chair@x", "chair"), ("lena", "leads")]


def test_a_round_decided_or_reopened_before_its_deadline_escalates_nowhere(session):
    members = reviewers(session, "r1@x", "r2@x", "r3@x")
    rule = QuorumRule(deadline_seconds=600)
    review.set_committee(session, scope="default", members=members, actor="test", rule=rule)
    item_id = disputed_item(session, registered(session))
    for reviewer in ("r1@x", "r2@x"):
        vote(session, item_id, reviewer, "value", value="Paris")
    run_outbox(session)
    assert session.get(Item, item_id).review_due_at is None
    # A due date left behind (a crash between the vote and its task) is cleared, not obeyed.
    overdue(session, item_id)
    assert deadlines.escalate_overdue(session) == 0
    assert session.get(Item, item_id).review_due_at is None
    assert escalations(session, item_id) == []
