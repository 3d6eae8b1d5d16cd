"""An item's review discussion on a real database: its reviewers and leads write, those who see
the work read it, a bad note is refused with nothing stored, and the history tells it."""

import pytest
from sqlmodel import select

from tests.factories import disputed_item, registered_trace, reviewers
from workflow import review
from workflow.identity.access import actor_for
from workflow.kernel.errors import Forbidden, InvalidInput
from workflow.models import ReviewComment


def test_the_committee_and_leads_discuss_an_item_and_its_history_tells_it(session):
    reviewers(session, "rev-a", "rev-z")
    review.set_committee(session, scope="default", members=["rev-a"], actor="test")
    item_id = disputed_item(session, registered_trace(session))
    rev_a = actor_for("rev-a", "reviewer", can_import=False)
    lead = actor_for("lee", "lead", can_import=False)
    first = review.add_comment(session, item_id=item_id, body="  Is Lyon right? ", by=rev_a)
    assert (first.author, first.body, first.round) == ("rev-a", "Is Lyon right?", 1)
    review.add_comment(session, item_id=item_id, body="Check the source.", by=lead)
    with pytest.raises(Forbidden):  # a reviewer off the item's committee
        review.add_comment(
            session,
            item_id=item_id,
            body="hello",
            by=actor_for("rev-z", "reviewer", can_import=False),
        )
    for bad in ("   ", "x" * 4001):
        with pytest.raises(InvalidInput):
            review.add_comment(session, item_id=item_id, body=bad, by=rev_a)
    assert len(session.exec(select(ReviewComment)).all()) == 2
    thread = review.comments(session, item_id=item_id, by=lead)
    assert [(c.author, c.body) for c in thread] == [
        ("rev-a", "Is Lyon right?"),
        ("lee", "Check the source."),
    ]
    with pytest.raises(Forbidden):
        review.comments(
            session, item_id=item_id, by=actor_for("ann", "annotator", can_import=False)
        )
    history = review.item_history(session, item_id=item_id, by=lead)
    said = [e.details["comment"] for e in history.entries if e.event == "review.commented"]
    assert said == ["Is Lyon right?", "Check the source."]
