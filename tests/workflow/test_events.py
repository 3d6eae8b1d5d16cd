"""Events on a real database: each happening is recorded once in the transaction that makes
it, a task run twice records nothing more, and what an event says of a proposal or a vote
never carries its value."""

from sqlmodel import Session, select

from tests.factories import disputed_item, proposal_of, reviewers, run_outbox, trace_json, vote
from workflow import review, traces
from workflow.models import Event


def events_of(session: Session) -> dict[str, list[Event]]:
    found: dict[str, list[Event]] = {}
    for event in session.exec(select(Event).order_by(Event.id)):
        found.setdefault(event.type, []).append(event)
    return found


def test_a_dispute_and_its_resolution_are_told_once_each(session):
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="t")
    review.set_committee(
        session, scope="default", members=reviewers(session, "r1@x", "r2@x"), actor="t"
    )
    item_id = disputed_item(session, payload["info"]["trace_id"])
    review.route(session, item_id=item_id)  # a duplicate delivery of the route task
    paris = proposal_of(session, item_id, "a@x")
    vote(session, item_id, "r1@x", "proposal", assessment_id=paris)
    vote(session, item_id, "r2@x", "proposal", assessment_id=paris)
    run_outbox(session)
    review.resolve(session, item_id=item_id)  # and of the resolve task
    found = events_of(session)
    counts = {kind: len(rows) for kind, rows in found.items()}
    assert counts == {
        "proposal.submitted": 3,
        "item.disputed": 1,
        "review.vote_needed": 1,
        "review.vote_cast": 2,
        "item.resolved": 1,
        "canonical.promoted": 1,
    }
    (needed,) = found["review.vote_needed"]
    assert needed.payload["recipients"] == ["r1@x", "r2@x"]
    assert needed.payload["link"] == f"/review/items/{item_id}"
    for said in found["proposal.submitted"] + found["review.vote_cast"]:
        assert "value" not in said.payload and "Paris" not in str(said.payload)
    assert found["item.resolved"][0].payload["voters"] == ["r1@x", "r2@x"]
