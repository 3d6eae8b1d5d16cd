"""Paging the queue most contested first, on a real database: every item exactly once, in
non-increasing contest and, among equals, increasing id, whatever the ties and page size."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from tests.factories import as_reviewer, trace_json
from workflow import review, traces
from workflow.kernel.states import ItemState
from workflow.models import Item, ReviewAssignment

# Few distinct scores, so that most pages break inside a run of ties.
CONTESTS = st.sampled_from([0.0, 1e-06, 0.25, 0.5, 0.666667, 1.0])


@settings(
    max_examples=40,
    deadline=None,
    # Each example runs in a savepoint rolled back at its end: nothing carries over.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(contests=st.lists(CONTESTS, max_size=25), limit=st.integers(1, 6))
def test_paging_by_contest_returns_each_item_once_in_order(
    session: Session, contests: list[float], limit: int
):
    savepoint = session.begin_nested()
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    items = [
        Item(
            trace_id=payload["info"]["trace_id"],
            name=f"q{i}",
            state=ItemState.IN_REVIEW,
            review_round=1,
            contest=contest,
        )
        for i, contest in enumerate(contests)
    ]
    session.add_all(items)
    session.flush()
    session.add_all(
        ReviewAssignment(item_id=item.id, review_round=1, reviewer_id="rev") for item in items
    )
    session.flush()

    seen, after = [], None
    for _ in range(len(contests) + 1):  # a cursor that repeats itself must not hang the test
        page = review.reviewer_queue(
            session,
            reviewer_id="rev",
            by=as_reviewer("rev"),
            limit=limit,
            order=review.QueueOrder.CONTESTED,
            after=after,
        )
        assert page.total == len(contests)
        seen += [(queued.contest, queued.item_id) for queued in page.items]
        if page.next_page_token is None:
            break
        after = page.next_page_token
    made = sorted((item.contest, item.id) for item in items)
    savepoint.rollback()
    assert sorted(seen, key=lambda row: (-row[0], row[1])) == seen
    assert sorted(seen) == made
