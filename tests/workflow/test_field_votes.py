"""Field-level votes on a real database: a structured dispute resolves field by field and a
list element by element, the settled fields carried; a whole-value vote still counts on every
field; a vote on anything else is refused with nothing stored; deadlocks escalate per field,
the chair decides an overdue one, and votes whose value the schema refuses keep the item in
review with the reason."""

import pytest
from sqlmodel import func, select

from tests.factories import (
    KEYED_ORDER,
    SPLIT_TICKETS,
    TAGGED_TICKET,
    as_reviewer,
    proposal_of,
    propose,
    registered_trace,
    reviewers,
    run_outbox,
    vote,
)
from workflow import assessments, review
from workflow.identity.access import trusted
from workflow.items import label_schemas, pipeline
from workflow.kernel.errors import InvalidInput
from workflow.models import AuditEntry, Item, Notification, Role, Vote
from workflow.review import QuorumRule, Rule
from workflow.review.quorum_rule import STRICT_MAJORITY

ANN, BOB = SPLIT_TICKETS
COMMITTEE = ["r1@x", "r2@x", "r3@x"]


def disputed(
    session, spec=TAGGED_TICKET, proposed=(("ann", ANN), ("bob", BOB)), rule=STRICT_MAJORITY
):
    """An item two annotators split on, under `spec` (overlap 2), in review."""
    label_schemas.create_schema(session, spec=spec, overlap=len(proposed), actor="test")
    members = reviewers(session, *COMMITTEE)
    review.set_committee(session, scope="default", members=members, actor="test", rule=rule)
    trace_id = registered_trace(session)
    for annotator, value in proposed:
        item_id = propose(session, trace_id, annotator, value, name=spec["name"])
    run_outbox(session)
    assert session.get(Item, item_id).state == "in_review"
    return trace_id, item_id


def on(session, item_id, reviewer, field, choice, **fields):
    return vote(session, item_id, reviewer, choice, field=field, **fields)


def state(session, item_id) -> str:
    return session.get(Item, item_id).state


def test_the_disputed_field_and_element_resolve_alone_and_the_agreed_field_is_kept(session):
    trace_id, item_id = disputed(session)
    view = review.review_view(session, item_id=item_id, reviewer_id="r1@x", by=as_reviewer("r1@x"))
    assert [(c.path, c.kind) for c in view.contested] == [
        ("priority", "field"),
        ("tags[urgent]", "element"),
    ]
    for reviewer in ("r1@x", "r2@x"):
        on(session, item_id, reviewer, "priority", "value", value=2)
    run_outbox(session)
    assert state(session, item_id) == "in_review"  # the element is still open
    on(session, item_id, "r1@x", "tags[urgent]", "drop")
    on(session, item_id, "r3@x", "tags[urgent]", "drop")
    run_outbox(session)
    assert state(session, item_id) == "promoted"
    decision = pipeline.last_decision(session, item_id)
    assert decision.value == {"intent": "refund", "priority": 2, "tags": ["billing"]}
    assert decision.voters == COMMITTEE
    fields = {f["path"]: f for f in decision.record["fields"]}
    assert (fields["priority"]["value"], fields["priority"]["voters"]) == (2, ["r1@x", "r2@x"])
    assert (fields["tags[urgent]"]["kept"], fields["tags[urgent]"]["support"]["count"]) == (
        False,
        2,
    )
    views = assessments.trace_assessments(session, trace_id=trace_id, by=trusted("test"))
    assert [(v.role, v.value) for v in views if v.valid] == [(Role.CANONICAL, decision.value)]


def test_a_whole_value_vote_counts_on_every_field_and_a_field_vote_overrides_it_there(session):
    _, item_id = disputed(session)
    bob = proposal_of(session, item_id, "bob")
    vote(session, item_id, "r1@x", "proposal", assessment_id=bob)
    # r2 goes with bob's value as a whole, but writes its own priority.
    vote(session, item_id, "r2@x", "proposal", assessment_id=bob)
    on(session, item_id, "r2@x", "priority", "value", value=2)
    run_outbox(session)
    assert state(session, item_id) == "in_review"  # priority split 3 / 2; the tag dropped 2 to 0
    on(session, item_id, "r3@x", "priority", "proposal", assessment_id=bob)
    run_outbox(session)
    decision = pipeline.last_decision(session, item_id)
    assert decision.value == BOB
    fields = {
        f["path"]: (f["value"], f["support"]["count"], f["voters"])
        for f in decision.record["fields"]
    }
    assert fields == {
        "priority": (3, 2, COMMITTEE),  # r1's whole vote and r3's field vote; r2 wrote 2
        "tags[urgent]": ("urgent", 2, ["r1@x", "r2@x"]),  # dropped by both whole votes
    }
    assert session.exec(select(func.count()).select_from(Vote)).one() == 4


@pytest.mark.parametrize(
    "field, choice, fields, message",
    [
        ("intent", "value", {"value": "exchange"}, "not a disputed field"),
        ("tags[billing]", "keep", {}, "not a disputed field"),
        ("priority", "value", {"value": 9}, "above the maximum 3"),
        ("priority", "keep", {}, "one of: proposal, value, abstain"),
        ("tags[urgent]", "proposal", {"assessment_id": "a-1"}, "one of: keep, drop, abstain"),
        ("priority", "proposal", {"assessment_id": "a-00000000"}, "not a live proposal"),
        ("", "keep", {}, "one of: proposal, value, abstain"),
        ("", "value", {"value": {**ANN, "intent": "exchange"}}, r"agree on \(intent\)"),
        ("", "value", {"value": {**ANN, "tags": ["urgent"]}}, r"agree on \(tags\)"),
    ],
)
def test_a_vote_on_anything_else_is_refused_and_nothing_is_stored(
    session, field, choice, fields, message
):
    _, item_id = disputed(session)
    with pytest.raises(InvalidInput, match=message):
        on(session, item_id, "r1@x", field, choice, **fields)
    assert session.exec(select(func.count()).select_from(Vote)).one() == 0


def test_a_field_deadlock_escalates_once_and_an_overdue_chair_decides_it(session):
    chaired = QuorumRule(Rule.STRICT_MAJORITY, chair="r1@x")
    _, item_id = disputed(session, rule=chaired)
    for reviewer in COMMITTEE:
        on(session, item_id, reviewer, "tags[urgent]", "keep")
    on(session, item_id, "r1@x", "priority", "value", value=1)
    on(session, item_id, "r2@x", "priority", "value", value=2)
    on(session, item_id, "r3@x", "priority", "abstain")
    run_outbox(session)
    review.resolve(session, item_id=item_id)  # a second run escalates nothing more
    item = session.get(Item, item_id)
    assert (item.state, item.escalated_at is not None) == ("in_review", True)
    (payload,) = session.exec(
        select(Notification.payload).where(Notification.event == "item.escalated")
    ).all()
    standings = {f["path"]: f["standing"] for f in payload["tally"]["fields"]}
    assert standings == {"priority": "deadlocked", "tags[urgent]": "resolved"}
    # Past the deadline to the chair: the chair's priority decides it.
    item.escalation = 1
    session.add(item)
    review.resolve(session, item_id=item_id)
    decision = pipeline.last_decision(session, item_id)
    assert decision.value == {"intent": "refund", "priority": 1, "tags": ["billing", "urgent"]}
    assert decision.record["chair_decided"] is True


def test_votes_that_make_a_value_the_schema_refuses_keep_the_item_in_review_with_why(session):
    proposed = (
        ("ann", {"items": [{"sku": "A", "qty": 1}]}),
        ("bob", {"items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]}),
    )
    _, item_id = disputed(session, spec=KEYED_ORDER, proposed=proposed)
    ann, bob = proposal_of(session, item_id, "ann"), proposal_of(session, item_id, "bob")
    for reviewer in ("r1@x", "r2@x"):
        # B's quantity as bob has it, B's key as ann has it (none): an element without its key.
        on(session, item_id, reviewer, "items[sku=B].qty", "proposal", assessment_id=bob)
        on(session, item_id, reviewer, "items[sku=B].sku", "proposal", assessment_id=ann)
    run_outbox(session)
    review.resolve(session, item_id=item_id)
    item = session.get(Item, item_id)
    assert item.state == "in_review"
    assert "key field 'sku'" in item.review_problem
    reasons = session.exec(
        select(AuditEntry.details).where(AuditEntry.action == "review.unfit")
    ).all()
    assert [d["reason"] for d in reasons] == [item.review_problem]  # recorded once
    view = review.review_view(session, item_id=item_id, reviewer_id="r1@x", by=as_reviewer("r1@x"))
    assert view.problem == item.review_problem
    for reviewer in ("r1@x", "r3@x"):  # a changed vote and a new one: B keeps its key
        on(session, item_id, reviewer, "items[sku=B].sku", "proposal", assessment_id=bob)
    run_outbox(session)
    assert state(session, item_id) == "promoted"
    assert session.get(Item, item_id).review_problem is None
    assert pipeline.last_decision(session, item_id).value == proposed[1][1]


def test_field_votes_belong_to_their_round(session):
    trace_id, item_id = disputed(session)
    on(session, item_id, "r1@x", "priority", "value", value=2)
    propose(session, trace_id, "bob", {**BOB, "priority": 1}, name="ticket")
    run_outbox(session)
    item = session.get(Item, item_id)
    assert (item.state, item.review_round) == ("in_review", 2)
    view = review.review_view(session, item_id=item_id, reviewer_id="r1@x", by=as_reviewer("r1@x"))
    assert view.my_field_votes == ()
    assert [c.path for c in view.contested] == ["tags[urgent]"]  # the priority agrees now
