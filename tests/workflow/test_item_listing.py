"""Finding items on a real database: the list's filters and keyset pages, the items of a trace,
and what an annotator is not shown of others' work."""

from dataclasses import dataclass

import pytest
from sqlmodel import Session, update

from tests.factories import LIMITS, propose, reviewers, run_outbox, trace_json
from workflow import campaigns, review, traces
from workflow.identity.access import Actor, actor_for, trusted
from workflow.items import listing
from workflow.kernel.errors import InvalidInput
from workflow.models import Item
from workflow.review.quorum_rule import Choice

LEAD = actor_for("lena", "lead", can_import=False)
REVIEWER = actor_for("r1@x", "reviewer", can_import=False)
ANNOTATOR = actor_for("a@x", "annotator", can_import=False)


@dataclass
class Seeded:
    """Two traces: on the first a promoted item, an item in review with one vote, and an item
    still collecting; on the second one more collecting item."""

    first: str
    second: str
    promoted: int
    in_review: int
    collecting: int
    elsewhere: int


def register(session: Session) -> str:
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    return payload["info"]["trace_id"]


@pytest.fixture
def seeded(session: Session) -> Seeded:
    first, second = register(session), register(session)
    committee = reviewers(session, "r1@x", "r2@x", "r3@x")
    review.set_committee(session, scope="default", members=committee, actor="test")
    for annotator in ("a@x", "b@x", "c@x"):
        promoted = propose(session, first, annotator, "Paris", name="expected_answer")
    for annotator, value in [("a@x", "Paris"), ("b@x", "Lyon"), ("c@x", "Nice")]:
        in_review = propose(session, first, annotator, value, name="expected_city")
    collecting = propose(session, first, "b@x", "yes", name="is_grounded")
    elsewhere = propose(session, second, "c@x", "Rome", name="expected_answer")
    run_outbox(session)
    request = review.VoteRequest(choice=Choice.VALUE, value="Paris")
    review.cast_vote(session, item_id=in_review, reviewer_id="r1@x", request=request, limits=LIMITS)
    run_outbox(session)  # one vote of three resolves nothing
    return Seeded(first, second, promoted, in_review, collecting, elsewhere)


def ids(session: Session, by: Actor = LEAD, **filters) -> list[int]:
    return [item.id for item in listing.list_items(session, by=by, limit=50, **filters).items]


def test_each_filter_narrows_the_list_and_they_combine(session, seeded):
    everything = [seeded.elsewhere, seeded.collecting, seeded.in_review, seeded.promoted]
    assert ids(session) == everything  # newest first
    assert ids(session, state="in_review") == [seeded.in_review]
    assert ids(session, state="collecting") == [seeded.elsewhere, seeded.collecting]
    assert ids(session, name="expected_answer") == [seeded.elsewhere, seeded.promoted]
    assert ids(session, trace_id=seeded.second) == [seeded.elsewhere]
    assert ids(session, name="expected_answer", state="promoted") == [seeded.promoted]
    assert ids(session, state="collecting", trace_id=seeded.first) == [seeded.collecting]
    assert ids(session, name="no_such_name") == []

    campaign = campaigns.create_campaign(
        session, settings=campaigns.CampaignSettings("spring"), by=trusted("test")
    )
    session.exec(update(Item).where(Item.id == seeded.collecting).values(campaign_id=campaign.id))
    assert ids(session, campaign_id=campaign.id) == [seeded.collecting]


def test_an_item_shows_its_state_round_and_latest_decision(session, seeded):
    (summary,) = listing.list_items(session, by=LEAD, limit=50, state="in_review").items
    assert (summary.trace_id, summary.span_id, summary.name) == (
        seeded.first,
        None,
        "expected_city",
    )
    assert (summary.round, summary.campaign_id, summary.proposals) == (1, None, 3)
    assert (summary.outcome, summary.method) == ("disputed", "auto")
    assert summary.state_changed_at.tzinfo is not None
    (fresh,) = listing.list_items(session, by=LEAD, limit=50, trace_id=seeded.second).items
    assert (fresh.state, fresh.outcome, fresh.method, fresh.proposals) == (
        "collecting",
        None,
        None,
        1,
    )


def test_a_state_or_cursor_the_list_never_gave_is_refused(session, seeded):
    with pytest.raises(InvalidInput, match="state must be one of"):
        listing.list_items(session, by=LEAD, limit=5, state="done")
    for cursor in ("abc", "-1", "1_000", " 12", "12345678901"):
        with pytest.raises(InvalidInput, match="not a cursor"):
            listing.list_items(session, by=LEAD, limit=5, after=cursor)


def walk(session: Session, size: int, **filters) -> list[list[int]]:
    """Every page of the list, following `next_page_token` until there is none."""
    pages, after = [], None
    while True:
        page = listing.list_items(session, by=LEAD, limit=size, after=after, **filters)
        pages.append([item.id for item in page.items])
        after = page.next_page_token
        if after is None:
            return pages


def test_keyset_pages_meet_every_item_once_even_while_items_move(session):
    trace_id = register(session)
    made = [propose(session, trace_id, "a@x", "x", name=f"n{index}") for index in range(8)]
    newest_first = sorted(made, reverse=True)

    pages = walk(session, 3)
    assert pages == [newest_first[0:3], newest_first[3:6], newest_first[6:8]]
    assert len(walk(session, 4)) == 2  # a full last page says so: no empty page after it

    # Items moving on between two requests neither repeat nor drop out of the walk.
    first = listing.list_items(session, by=LEAD, limit=3)
    for annotator in ("b@x", "c@x"):
        propose(session, trace_id, annotator, "x", name="n7")  # on the first page
        propose(session, trace_id, annotator, "x", name="n0")  # on the last page
    run_outbox(session)
    rest = listing.list_items(session, by=LEAD, limit=50, after=first.next_page_token)
    seen = [item.id for item in first.items] + [item.id for item in rest.items]
    assert seen == newest_first

    collecting = [i for i in newest_first if i not in (made[0], made[7])]
    walked = [item_id for page in walk(session, 2, state="collecting") for item_id in page]
    assert walked == collecting


def test_an_annotator_sees_no_counts_votes_or_open_values(session, seeded):
    listed = listing.list_items(session, by=ANNOTATOR, limit=50).items
    assert {item.proposals for item in listed} == {None}
    assert {item.id: item.outcome for item in listed}[seeded.in_review] == "disputed"

    details = {
        d.item.id: d for d in listing.item_details(session, trace_id=seeded.first, by=ANNOTATOR)
    }
    assert set(details) == {seeded.promoted, seeded.in_review, seeded.collecting}
    assert {d.votes for d in details.values()} == {None}
    open_one = details[seeded.in_review].decision
    assert (open_one.outcome, open_one.value, open_one.value_shown, open_one.voters) == (
        "disputed",
        None,
        False,
        None,
    )
    # A promoted item's value is its canonical expectation, which every reader sees already.
    promoted = details[seeded.promoted].decision
    assert (promoted.outcome, promoted.value, promoted.value_shown, promoted.voters) == (
        "agreed",
        "Paris",
        True,
        None,
    )
    assert details[seeded.collecting].decision is None


@pytest.mark.parametrize("by", [LEAD, REVIEWER], ids=["lead", "reviewer"])
def test_leads_and_reviewers_see_counts_votes_and_open_values(session, seeded, by):
    (listed,) = listing.list_items(session, by=by, limit=50, state="in_review").items
    assert listed.proposals == 3
    details = {d.item.id: d for d in listing.item_details(session, trace_id=seeded.first, by=by)}
    in_review = details[seeded.in_review]
    assert [(v.reviewer, v.choice) for v in in_review.votes] == [("r1@x", "value")]
    assert in_review.votes[0].at.tzinfo is not None
    assert (in_review.decision.value_shown, in_review.decision.voters) == (True, ())
    assert details[seeded.promoted].votes == ()
    assert details[seeded.collecting].item.proposals == 1


def test_votes_of_an_earlier_round_are_not_the_current_ones(session, seeded):
    session.exec(update(Item).where(Item.id == seeded.in_review).values(review_round=2))
    details = {d.item.id: d for d in listing.item_details(session, trace_id=seeded.first, by=LEAD)}
    assert details[seeded.in_review].votes == ()


def test_a_trace_without_items_has_none(session):
    assert listing.item_details(session, trace_id=register(session), by=LEAD) == ()
