"""Sending a disputed item back to its annotators, on a real database: the round closes
undecided, each proposer's seat comes back to them first in their queue with the note, the
item waits until every one of them has revised or kept their answer, and the engine then
decides it afresh; refusals change nothing."""

import pytest
from sqlmodel import func, select

from tests.factories import (
    LIMITS,
    annotator,
    as_reviewer,
    disputed_item,
    propose,
    queue_campaign,
    reviewers,
    run_outbox,
    trace_json,
)
from tests.mail_server import smtp_server, text_of
from workflow import queue, review, traces
from workflow.identity import users
from workflow.identity.access import actor_for
from workflow.items import seats
from workflow.kernel.errors import Conflict, Forbidden, InvalidInput
from workflow.kernel.settings import Settings
from workflow.models import Item, Notification, OutboxMessage, Seat
from workflow.queue.task import Place, annotation_task

SCHEMA = {"name": "verdict", "value_type": "categorical", "options": ["yes", "no", "maybe"]}
NOTE = "The user asked about the second order, not the first: read the last turn again."


def in_review(session) -> tuple[int, int]:
    """A campaign item its three annotators split on, in review before rev and rev2."""
    campaign_id, (trace_id,) = queue_campaign(session, traces=1, schema=SCHEMA)
    reviewers(session, "rev", "rev2")
    review.set_committee(
        session, scope=review.campaign_scope(campaign_id), members=["rev", "rev2"], actor="t"
    )
    for who, value in (("ann", "yes"), ("bob", "no"), ("cat", "maybe")):
        item_id = propose(session, trace_id, who, value, name="verdict")
    run_outbox(session)
    assert session.get(Item, item_id).state == "in_review"
    return campaign_id, item_id


def submit(session, who: str, item_id: int, value: str) -> None:
    queue.submit_claim(
        session,
        by=annotator(who),
        item_id=item_id,
        value=value,
        rationale=None,
        limits=LIMITS,
        default_overlap=3,
    )


def test_a_sent_back_item_waits_for_every_annotator_then_is_decided_again(session):
    campaign_id, item_id = in_review(session)
    asked = review.send_back(session, item_id=item_id, note=f"  {NOTE}  ", by=as_reviewer("rev"))
    assert asked == ["ann", "bob", "cat"]
    item = session.get(Item, item_id)
    assert (item.state, item.return_note, item.review_due_at) == ("reopened", NOTE, None)
    assert seats.returned(session, item_id) == 3
    told = session.exec(select(Notification).where(Notification.event == "item.sent_back")).all()
    assert sorted(n.recipient for n in told) == ["ann", "bob", "cat"]
    assert all(n.payload["note"] == NOTE for n in told)

    # It comes first in each annotator's queue, with the note and their own answer.
    claim = queue.claim_next(session, by=annotator("bob"), campaign_id=campaign_id)
    assert claim.item_id == item_id
    task = annotation_task(session, by=annotator("bob"), item_id=item_id)
    assert (task.place, task.return_note, task.value) == (Place.RETURNED, NOTE, "no")

    submit(session, "bob", item_id, "yes")  # revised
    submit(session, "cat", item_id, "yes")  # revised
    run_outbox(session)
    assert session.get(Item, item_id).state == "reopened"  # ann has not answered yet
    submit(session, "ann", item_id, "yes")  # kept, as it was
    run_outbox(session)
    item = session.get(Item, item_id)
    assert (item.state, item.return_note) == ("promoted", None)
    assert seats.returned(session, item_id) == 0
    history = review.item_history(session, item_id=item_id, by=as_reviewer("rev2"))
    events = [e.event for e in history.entries]
    assert "review.sent_back" in events and "proposal.kept" in events
    sent = next(e for e in history.entries if e.event == "review.sent_back")
    assert (sent.actor, sent.details["note"], sent.details["round"]) == ("rev", NOTE, 1)


def test_a_returned_seat_never_lapses_to_someone_else(session):
    campaign_id, item_id = in_review(session)
    review.send_back(session, item_id=item_id, note=NOTE, by=as_reviewer("rev"))
    queue.claim_next(session, by=annotator("ann"), campaign_id=campaign_id)
    assert queue.expire_leases(session) == 0
    holders = session.exec(select(Seat.holder).where(Seat.item_id == item_id)).all()
    assert sorted(holders) == ["ann", "bob", "cat"]


@pytest.mark.parametrize(
    ("by", "note", "error"),
    [
        (as_reviewer("rev"), "   ", InvalidInput),
        (as_reviewer("rev"), "x" * 4001, InvalidInput),
        (as_reviewer("stranger"), NOTE, Forbidden),
        (actor_for("other-lead", "lead", can_import=False), NOTE, Forbidden),
    ],
)
def test_a_refused_send_back_changes_nothing(session, by, note, error):
    _, item_id = in_review(session)
    before = session.exec(select(func.count()).select_from(OutboxMessage)).one()
    with pytest.raises(error):
        review.send_back(session, item_id=item_id, note=note, by=by)
    item = session.get(Item, item_id)
    assert (item.state, item.return_note, seats.returned(session, item_id)) == (
        "in_review",
        None,
        0,
    )
    assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == before


def test_only_an_item_in_review_and_in_a_campaign_goes_back(session):
    _, item_id = in_review(session)
    review.send_back(session, item_id=item_id, note=NOTE, by=as_reviewer("rev"))
    with pytest.raises(Conflict, match="not in review"):
        review.send_back(session, item_id=item_id, note=NOTE, by=as_reviewer("rev"))
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="t")
    review.set_committee(session, scope="default", members=["rev"], actor="t")
    loose = disputed_item(session, payload["info"]["trace_id"])
    with pytest.raises(Conflict, match="only a campaign's items"):
        review.send_back(session, item_id=loose, note=NOTE, by=as_reviewer("rev"))
    assert session.get(Item, loose).state == "in_review"


def test_each_annotator_is_emailed_the_note_with_a_link_to_their_answer(session):
    with smtp_server() as inbox:
        settings = Settings(
            environment="test", smtp_host=inbox.host, smtp_port=inbox.port, smtp_security="none"
        )
        _campaign_id, item_id = in_review(session)
        for who in ("ann", "bob"):  # cat has no address: cat gets no email
            users.update_user(session, username=who, actor="t", email=f"{who}@example.com")
        review.send_back(session, item_id=item_id, note=NOTE, by=as_reviewer("rev"))
        run_outbox(session, settings=settings)
    assert sorted(m["To"] for m in inbox.messages) == ["ann@example.com", "bob@example.com"]
    for message in inbox.messages:
        assert message["Subject"] == f"An item came back to you: verdict (item {item_id})"
        body = text_of(message)
        assert NOTE in body and f"{settings.public_url()}/work/items/{item_id}" in body
