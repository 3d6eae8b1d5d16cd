"""A reviewer's queue on a real database: oldest or most contested first, a page at a time,
by campaign, label, annotator and disputed field, with the total that waits."""

import pytest
from sqlmodel import Session

from tests.factories import (
    TAGGED_TICKET,
    as_reviewer,
    disputed_item,
    propose,
    reviewers,
    run_outbox,
    trace_json,
    vote,
)
from workflow import review, traces
from workflow.items import label_schemas
from workflow.kernel.errors import InvalidInput
from workflow.review import waiting


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
        page = review.reviewer_queue(
            session, reviewer_id="r1@x", by=as_reviewer("r1@x"), limit=2, after=after
        )
        seen += [queued.item_id for queued in page.items]
        totals.add(page.total)
        if page.next_page_token is None:
            break
        after = page.next_page_token
    assert (seen, totals) == (sorted(made), {5})
    assert not page.more

    towns = review.reviewer_queue(
        session, reviewer_id="r1@x", by=as_reviewer("r1@x"), limit=10, name="town"
    )
    assert ([q.item_id for q in towns.items], towns.total) == ([made[1]], 1)
    assert (
        review.reviewer_queue(
            session, reviewer_id="r1@x", by=as_reviewer("r1@x"), limit=10, campaign_id=1
        ).total
        == 0
    )
    assert (
        review.reviewer_queue(
            session, reviewer_id="nobody", by=as_reviewer("nobody"), limit=10
        ).items
        == ()
    )

    # A resolved item leaves the queue of every member.
    for reviewer in ("r1@x", "r2@x"):
        vote(session, made[0], reviewer, "value", value="Paris")
    review.resolve(session, item_id=made[0])
    assert (
        review.reviewer_queue(session, reviewer_id="r3@x", by=as_reviewer("r3@x"), limit=10).total
        == 4
    )
    with pytest.raises(InvalidInput, match="not a cursor"):
        review.reviewer_queue(
            session, reviewer_id="r1@x", by=as_reviewer("r1@x"), limit=2, after="-1"
        )


def test_the_queue_filters_by_an_annotator_who_proposed(session: Session):
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    trace_id = payload["info"]["trace_id"]
    review.set_committee(session, scope="default", members=reviewers(session, "r1@x"), actor="test")
    common = disputed_item(session, trace_id, name="city")
    for annotator, value in [("a@x", "Oslo"), ("d@x", "Bergen"), ("e@x", "Molde")]:
        other = propose(session, trace_id, annotator, value, name="fjord")
    run_outbox(session)
    by_d = review.reviewer_queue(
        session, reviewer_id="r1@x", by=as_reviewer("r1@x"), limit=10, annotator="d@x"
    )
    assert ([q.item_id for q in by_d.items], by_d.total) == ([other], 1)
    by_a = review.reviewer_queue(
        session, reviewer_id="r1@x", by=as_reviewer("r1@x"), limit=10, annotator="a@x"
    )
    assert [q.item_id for q in by_a.items] == sorted([common, other])
    assert (
        review.reviewer_queue(
            session, reviewer_id="r1@x", by=as_reviewer("r1@x"), limit=10, annotator="zz"
        ).total
        == 0
    )


def test_the_queue_puts_the_most_contested_first_and_pages_through_ties(session: Session):
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    trace_id = payload["info"]["trace_id"]
    review.set_committee(session, scope="default", members=reviewers(session, "r1@x"), actor="test")
    # Four proposals split 2-1-1 (contest 1/2), three apart (2/3, twice: a tie), four apart (3/4).
    split = [
        ("x", ["Paris", "Paris", "Nice", "Lyon"]),
        ("y", ["Paris", "Lyon", "Nice"]),
        ("w", ["Paris", "Lyon", "Nice", "Oslo"]),
        ("z", ["Rome", "Pisa", "Bari"]),
    ]
    made = {}
    for name, values in split:
        for annotator, value in zip("abcd", values, strict=False):
            made[name] = propose(session, trace_id, f"{annotator}@x", value, name=name)
        run_outbox(session, default_overlap=len(values))

    seen, after = [], None
    while True:
        page = review.reviewer_queue(
            session,
            reviewer_id="r1@x",
            by=as_reviewer("r1@x"),
            limit=1,
            order=review.QueueOrder.CONTESTED,
            after=after,
        )
        seen += [(queued.name, queued.contest) for queued in page.items]
        assert page.total == 4
        if page.next_page_token is None:
            break
        after = page.next_page_token
    assert seen == [("w", 0.75), ("y", 0.666667), ("z", 0.666667), ("x", 0.5)]
    assert made["y"] < made["z"]  # among equals, the oldest first

    oldest = review.reviewer_queue(session, reviewer_id="r1@x", by=as_reviewer("r1@x"), limit=1)
    contested = review.reviewer_queue(
        session,
        reviewer_id="r1@x",
        by=as_reviewer("r1@x"),
        limit=1,
        order=review.QueueOrder.CONTESTED,
    )
    # A cursor of one order is refused by the other, and so is one no queue gave.
    for order, after in [
        (review.QueueOrder.CONTESTED, oldest.next_page_token),
        (review.QueueOrder.OLDEST, contested.next_page_token),
        (review.QueueOrder.CONTESTED, "!!"),
        (review.QueueOrder.CONTESTED, "Mi4wOjE"),  # "2.0:1": a score past 1
        (review.QueueOrder.CONTESTED, "w6k"),  # not ASCII underneath
    ]:
        with pytest.raises(InvalidInput, match="not a cursor"):
            review.reviewer_queue(
                session,
                reviewer_id="r1@x",
                by=as_reviewer("r1@x"),
                limit=1,
                order=order,
                after=after,
            )
    with pytest.raises(InvalidInput, match="not one of oldest, contested"):
        review.queue_order("newest")


def test_the_queue_filters_by_a_field_the_dispute_left_disputed(session: Session):
    label_schemas.create_schema(session, spec=TAGGED_TICKET, overlap=3, actor="test")
    review.set_committee(session, scope="default", members=reviewers(session, "r1@x"), actor="test")
    split = {
        "priority": [{"priority": 1}, {"priority": 2}, {"priority": 3}],
        "tags": [{"priority": 1, "tags": ["billing"]}, {"priority": 1, "tags": ["urgent"]}, {}],
    }
    made = {}
    for label, values in split.items():
        payload = trace_json()
        traces.register_traces(session, payloads=[payload], actor="test")
        for annotator, value in zip("abc", values, strict=True):
            made[label] = propose(
                session,
                payload["info"]["trace_id"],
                f"{annotator}@x",
                {"intent": "refund", **value},
                name="ticket",
            )
    run_outbox(session)

    def by_field(field: str) -> list[int]:
        page = review.reviewer_queue(
            session,
            reviewer_id="r1@x",
            by=as_reviewer("r1@x"),
            limit=10,
            field=field,
            order=review.QueueOrder.CONTESTED,
        )
        assert page.total == len(page.items)
        return [queued.item_id for queued in page.items]

    assert by_field("priority") == [made["priority"]]
    assert by_field("tags[urgent]") == [made["tags"]]
    assert by_field("intent") == []  # agreed everywhere


def test_counting_stops_at_the_cap_and_says_there_are_more(session: Session, monkeypatch):
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    review.set_committee(session, scope="default", members=reviewers(session, "r1@x"), actor="test")
    made = [disputed_item(session, payload["info"]["trace_id"], name=f"n{i}") for i in range(3)]
    monkeypatch.setattr(waiting, "COUNT_CAP", 2)
    page = review.reviewer_queue(session, reviewer_id="r1@x", by=as_reviewer("r1@x"), limit=10)
    assert (page.total, page.more, [q.item_id for q in page.items]) == (2, True, made)
    monkeypatch.setattr(waiting, "COUNT_CAP", 3)
    page = review.reviewer_queue(session, reviewer_id="r1@x", by=as_reviewer("r1@x"), limit=10)
    assert (page.total, page.more) == (3, False)
