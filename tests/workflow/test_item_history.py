"""An item's history on a real database: its whole life in order, each event with its actor."""

import pytest
from sqlmodel import Session

from tests.factories import (
    annotator,
    disputed_item,
    propose,
    reviewers,
    run_outbox,
    trace_json,
    vote,
)
from workflow import review, traces
from workflow.identity.access import trusted
from workflow.kernel.errors import Forbidden, NotFound

LEAD = trusted("lead")


def events(history, *wanted: str) -> list[tuple]:
    """(event, actor, the details named) of the entries whose event is one of `wanted`."""
    return [(e.event, e.actor, e.details) for e in history.entries if e.event in wanted]


def test_a_disputed_item_tells_its_whole_life_in_order(session: Session):
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    trace_id = payload["info"]["trace_id"]
    members = reviewers(session, "r1@x", "r2@x", "r3@x")
    review.set_committee(session, scope="default", members=members, actor="test")
    item_id = disputed_item(session, trace_id)
    vote(session, item_id, "r1@x", "value", value="Lyon", comment="the ticket says Lyon")
    propose(session, trace_id, "c@x", "Marseille")  # an edit in review: a second round
    run_outbox(session)
    for reviewer in ("r1@x", "r2@x"):
        vote(session, item_id, reviewer, "value", value="Paris")
    run_outbox(session)

    history = review.item_history(session, item_id=item_id, by=LEAD)
    assert history.item.state == "promoted"
    times = [entry.at for entry in history.entries]
    assert times == sorted(times)
    proposals = events(history, "proposal.submitted", "proposal.edited")
    assert [(event, actor, d["value"], d["revision"]) for event, actor, d in proposals] == [
        ("proposal.submitted", "a@x", "Paris", 1),
        ("proposal.submitted", "b@x", "Lyon", 1),
        ("proposal.submitted", "c@x", "Nice", 1),
        ("proposal.edited", "c@x", "Marseille", 2),
    ]
    rounds = events(history, "review.routed")
    assert [(d["round"], d["reviewers"]) for _, _, d in rounds] == [(1, members), (2, members)]
    votes = events(history, "vote.cast")
    assert [(actor, d["round"], d.get("value"), d.get("comment")) for _, actor, d in votes] == [
        ("r1@x", 1, "Lyon", "the ticket says Lyon"),
        ("r1@x", 2, "Paris", None),
        ("r2@x", 2, "Paris", None),
    ]
    decisions = [e.event for e in history.entries if e.event.startswith("decision.")]
    assert decisions[-1] == "decision.resolved" and "decision.disputed" in decisions
    (canonical,) = events(history, "canonical.version")
    assert (canonical[2]["value"], canonical[2]["current"]) == ("Paris", True)
    moves = [(d["source"], d["target"]) for _, _, d in events(history, "item.moved")]
    assert moves[-2:] == [("in_review", "resolved"), ("resolved", "promoted")]
    # The edit comes before the round it opened.
    order = [entry.event for entry in history.entries]
    second_round = max(i for i, event in enumerate(order) if event == "review.routed")
    assert order.index("proposal.edited") < second_round


def test_only_those_who_see_others_work_read_a_history(session: Session):
    with pytest.raises(Forbidden):
        review.item_history(session, item_id=1, by=annotator("ann"))
    with pytest.raises(NotFound):
        review.item_history(session, item_id=10**9, by=LEAD)
