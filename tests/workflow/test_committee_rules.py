"""Committees and their rules on a real database: a campaign's own committee reviews its
items first, the rule a committee is given decides, and a chair settles a final tie."""

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
from workflow import review, traces
from workflow.items import pipeline
from workflow.kernel.errors import InvalidInput
from workflow.models import CommitteeRule, Item
from workflow.review import QuorumRule, Rule

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
