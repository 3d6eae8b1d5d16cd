"""A reviewer's queue on a real database: oldest first, a page at a time, by campaign, label
and annotator, with the total that waits."""

import pytest
from sqlmodel import Session

from tests.factories import disputed_item, propose, reviewers, run_outbox, trace_json, vote
from workflow import review, traces
from workflow.kernel.errors import InvalidInput


def test_the_queue_pages_oldest_first_and_filters_by_label(session: Session):
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    trace_id = payload["info"]["trace_id"]
    members = reviewers(session, "r1@x", "r2@x", "r3@x")
    review.set_committee(session, scope="default", members=members, actor="test")
    names = ["city", "town", "city_2", "town_2", "village"]
    made = [disputed_item(session, trace_id, name=name) for name in names]

    seen, after, totals = [], None, set()
    while True:
        page = review.reviewer_queue(session, reviewer_id="r1@x", limit=2, after=after)
        seen += [queued.item_id for queued in page.items]
        totals.add(page.total)
        if page.next_page_token is None:
            break
        after = page.next_page_token
    assert (seen, totals) == (sorted(made), {5})

    towns = review.reviewer_queue(session, reviewer_id="r1@x", limit=10, name="town")
    assert ([q.item_id for q in towns.items], towns.total) == ([made[1]], 1)
    assert review.reviewer_queue(session, reviewer_id="r1@x", limit=10, campaign_id=1).total == 0
    assert review.reviewer_queue(session, reviewer_id="nobody", limit=10).items == ()

    # A resolved item leaves the queue of every member.
    for reviewer in ("r1@x", "r2@x"):
        vote(session, made[0], reviewer, "value", value="Paris")
    review.resolve(session, item_id=made[0])
    assert review.reviewer_queue(session, reviewer_id="r3@x", limit=10).total == 4
    with pytest.raises(InvalidInput, match="not a cursor"):
        review.reviewer_queue(session, reviewer_id="r1@x", limit=2, after="-1")


def test_the_queue_filters_by_an_annotator_who_proposed(session: Session):
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    trace_id = payload["info"]["trace_id"]
    review.set_committee(session, scope="default", members=reviewers(session, "r1@x"), actor="test")
    common = disputed_item(session, trace_id, name="city")
    for annotator, value in [("a@x", "Oslo"), ("d@x", "Bergen"), ("e@x", "Molde")]:
        other = propose(session, trace_id, annotator, value, name="fjord")
    run_outbox(session)
    by_d = review.reviewer_queue(session, reviewer_id="r1@x", limit=10, annotator="d@x")
    assert ([q.item_id for q in by_d.items], by_d.total) == ([other], 1)
    by_a = review.reviewer_queue(session, reviewer_id="r1@x", limit=10, annotator="a@x")
    assert [q.item_id for q in by_a.items] == sorted([common, other])
    assert review.reviewer_queue(session, reviewer_id="r1@x", limit=10, annotator="zz").total == 0
