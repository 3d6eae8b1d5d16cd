"""The annotator queue on a real database: claims, seats, leases, skips, routing, adaptive
overlap."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import func, select

from tests.factories import LIMITS, annotator, human, queue_campaign, run_outbox
from workflow import assessments, campaigns, queue
from workflow.identity.access import trusted
from workflow.kernel.errors import Conflict, InvalidInput, NotFound
from workflow.models import Assessment, Event, Item, Seat, Skip
from workflow.models.base import utcnow

ANN, BOB, CAT, DEE = (annotator(name) for name in ("ann", "bob", "cat", "dee"))
THREE_WAY = {"name": "verdict3", "value_type": "categorical", "options": ["yes", "no", "maybe"]}


def submit(session, by, item_id, value="yes"):
    return queue.submit_claim(
        session,
        by=by,
        item_id=item_id,
        value=value,
        rationale=None,
        limits=LIMITS,
        default_overlap=3,
    )


def seats_of(session, item_id):
    rows = session.exec(select(Seat.holder, Seat.status).where(Seat.item_id == item_id)).all()
    return sorted((holder or "", status) for holder, status in rows)


def test_creating_a_campaign_makes_one_item_per_trace_and_schema_with_k_seats(session):
    campaign_id, trace_ids = queue_campaign(session, traces=4, overlap=2)
    items = session.exec(select(Item).where(Item.campaign_id == campaign_id)).all()
    assert sorted(item.trace_id for item in items) == sorted(trace_ids)
    assert {(item.quota, item.filled, item.name) for item in items} == {(2, 0, "verdict")}
    assert session.exec(select(func.count()).select_from(Seat)).one() == 8


def test_a_span_level_schema_makes_an_item_per_matching_span(session):
    queue_campaign(session, traces=2)
    campaign = campaigns.create_campaign(
        session,
        settings=campaigns.CampaignSettings("spans", 2),
        by=trusted("lead"),
        schemas=(campaigns.SchemaTarget("verdict", span_type="RETRIEVER"),),
        traces=campaigns.TraceSelection(tags={"mlflow.traceName": "answer"}),
    )
    items = session.exec(select(Item).where(Item.campaign_id == campaign.id)).all()
    assert len(items) == 2 and all(item.span_id == "8baa12146d72ae58" for item in items)
    with pytest.raises(InvalidInput, match="no such label schemas"):
        campaigns.create_campaign(
            session,
            settings=campaigns.CampaignSettings("unknown schema"),
            by=trusted("lead"),
            schemas=(campaigns.SchemaTarget("relevant"),),
        )


def test_claims_fill_items_with_distinct_annotators_and_never_beyond_k(session):
    campaign_id, _ = queue_campaign(session, traces=2, overlap=2)
    first = queue.claim_next(session, by=ANN, campaign_id=campaign_id)
    assert queue.claim_next(session, by=ANN, campaign_id=campaign_id) == first  # resumed
    submit(session, ANN, first.item_id)
    # Finish first: bob gets the item ann started, not a fresh one.
    assert queue.claim_next(session, by=BOB, campaign_id=campaign_id).item_id == first.item_id
    submit(session, BOB, first.item_id)
    other = queue.claim_next(session, by=CAT, campaign_id=campaign_id)
    assert other.item_id != first.item_id
    assert seats_of(session, first.item_id) == [("ann", "submitted"), ("bob", "submitted")]
    # ann has done the first item; the second is hers to take, then nothing is left.
    second = queue.claim_next(session, by=ANN, campaign_id=campaign_id)
    assert second.item_id == other.item_id
    assert queue.claim_next(session, by=BOB, campaign_id=campaign_id) is None


def test_a_proposal_for_a_full_item_is_refused_and_nothing_is_stored(session):
    campaign_id, _ = queue_campaign(session, traces=1, overlap=1)
    claim = queue.claim_next(session, by=ANN, campaign_id=campaign_id)
    submit(session, ANN, claim.item_id)
    with pytest.raises(Conflict, match="all the annotators it needs"):
        submit(session, BOB, claim.item_id)
    assert session.exec(select(func.count()).select_from(Assessment)).one() == 1


def test_the_mlflow_route_sends_a_members_proposal_to_the_campaign_item(session):
    campaign_id, (trace_id,) = queue_campaign(session, traces=1, overlap=2)
    view = assessments.log_assessment(
        session, trace_id=trace_id, draft=human("verdict", "no", "ann"), by=ANN, limits=LIMITS
    )
    item_id = session.get(Assessment, view.assessment_id).item_id
    assert session.get(Item, item_id).campaign_id == campaign_id
    assert seats_of(session, item_id)[1] == ("ann", "submitted")
    # Someone outside the pool logs the same key: the campaign-free item takes it.
    outsider = assessments.log_assessment(
        session, trace_id=trace_id, draft=human("verdict", "no", "dee"), by=DEE, limits=LIMITS
    )
    outside_item = session.get(Assessment, outsider.assessment_id).item_id
    assert session.get(Item, outside_item).campaign_id is None


def test_two_campaigns_on_one_trace_prefer_the_seat_then_priority(session):
    low, (trace_id,) = queue_campaign(session, traces=1, overlap=2)
    high = campaigns.create_campaign(
        session,
        settings=campaigns.CampaignSettings("urgent", 2, priority=5),
        by=trusted("lead"),
        schemas=(campaigns.SchemaTarget("verdict"),),
        traces=campaigns.TraceSelection(trace_ids=(trace_id,)),
    )
    campaigns.set_members(
        session,
        campaign_id=high.id,
        roles={"ann": "annotator", "bob": "annotator"},
        by=trusted("t"),
    )
    claim = queue.claim_next(session, by=ANN, campaign_id=low)  # ann holds a seat in `low`
    mine = assessments.log_assessment(
        session, trace_id=trace_id, draft=human("verdict", "yes", "ann"), by=ANN, limits=LIMITS
    )
    assert session.get(Assessment, mine.assessment_id).item_id == claim.item_id
    theirs = assessments.log_assessment(
        session, trace_id=trace_id, draft=human("verdict", "yes", "bob"), by=BOB, limits=LIMITS
    )
    item = session.get(Item, session.get(Assessment, theirs.assessment_id).item_id)
    assert item.campaign_id == high.id


def test_a_lapsed_lease_returns_the_seat_and_a_late_submit_still_fits_if_there_is_room(session):
    campaign_id, _ = queue_campaign(session, traces=1, overlap=1)
    claim = queue.claim_next(session, by=ANN, campaign_id=campaign_id)
    session.exec(update(Seat).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    # Nobody took it yet: ann's late heartbeat and submit are accepted.
    queue.heartbeat(session, by=ANN, item_id=claim.item_id)
    session.exec(update(Seat).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    taken = queue.claim_next(session, by=BOB, campaign_id=campaign_id)
    assert taken.item_id == claim.item_id
    with pytest.raises(Conflict, match="lease ran out"):
        queue.heartbeat(session, by=ANN, item_id=claim.item_id)
    with pytest.raises(Conflict, match="went to someone else"):
        submit(session, ANN, claim.item_id)
    submit(session, BOB, claim.item_id)
    assert seats_of(session, claim.item_id) == [("bob", "submitted")]
    # A page left open after its submit asks to renew: the answer is in, not lost.
    with pytest.raises(Conflict, match=r"you answered item \d+ already"):
        queue.heartbeat(session, by=BOB, item_id=claim.item_id)


def test_the_reconciler_pass_gives_back_lapsed_seats(session):
    campaign_id, _ = queue_campaign(session, traces=2, overlap=1)
    for by in (ANN, BOB):
        queue.claim_next(session, by=by, campaign_id=campaign_id)
    session.exec(update(Seat).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    assert queue.expire_leases(session) == 2
    items = session.exec(select(Item.filled).where(Item.campaign_id == campaign_id)).all()
    assert items == [0, 0]


def test_skip_records_a_reason_and_the_item_goes_to_someone_else(session):
    campaign_id, _ = queue_campaign(session, traces=1, overlap=1)
    claim = queue.claim_next(session, by=ANN, campaign_id=campaign_id)
    with pytest.raises(InvalidInput, match="reason"):
        queue.skip(session, by=ANN, item_id=claim.item_id, reason="  ")
    queue.skip(session, by=ANN, item_id=claim.item_id, reason="not my language")
    assert queue.claim_next(session, by=ANN, campaign_id=campaign_id) is None
    assert queue.claim_next(session, by=BOB, campaign_id=campaign_id).item_id == claim.item_id
    (skip,) = session.exec(select(Skip)).all()
    assert (skip.annotator, skip.reason) == ("ann", "not my language")
    with pytest.raises(NotFound):
        queue.skip(session, by=ANN, item_id=claim.item_id, reason="again")


def test_release_and_withdraw_free_the_seat(session):
    campaign_id, _ = queue_campaign(session, traces=1, overlap=1)
    claim = queue.claim_next(session, by=ANN, campaign_id=campaign_id)
    queue.release(session, by=ANN, item_id=claim.item_id)
    assert session.get(Item, claim.item_id).filled == 0
    again = queue.claim_next(session, by=ANN, campaign_id=campaign_id)
    view = submit(session, ANN, again.item_id)
    assessments.delete_assessment(
        session, trace_id=again.trace_id, assessment_id=view.assessment_id, by=ANN
    )
    assert seats_of(session, again.item_id) == [("", "open")]


def test_a_non_member_and_a_closed_campaign_take_no_claims(session):
    campaign_id, _ = queue_campaign(session, traces=1)
    with pytest.raises(NotFound):
        queue.claim_next(session, by=DEE, campaign_id=campaign_id)
    assert queue.claim_next(session, by=DEE) is None
    campaigns.close_campaign(session, campaign_id=campaign_id, by=trusted("lead"))
    with pytest.raises(Conflict, match="closed"):
        queue.claim_next(session, by=ANN, campaign_id=campaign_id)
    assert queue.claim_next(session, by=ANN) is None


def _annotate(session, campaign_id, by, value):
    claim = queue.claim_next(session, by=by, campaign_id=campaign_id)
    submit(session, by, claim.item_id, value)
    run_outbox(session)
    return session.get(Item, claim.item_id)


def test_adaptive_overlap_two_agreeing_annotators_settle_an_item(session):
    campaign_id, _ = queue_campaign(session, traces=1, overlap=2, adaptive=True, max_overlap=4)
    _annotate(session, campaign_id, ANN, "yes")
    item = _annotate(session, campaign_id, BOB, "yes")
    session.refresh(item)
    assert (item.state, item.quota) == ("promoted", 2)


def test_adaptive_overlap_draws_one_more_while_they_disagree_up_to_the_maximum(session):
    campaign_id, _ = queue_campaign(
        session,
        traces=1,
        overlap=2,
        adaptive=True,
        max_overlap=3,
        annotators=("ann", "bob", "cat", "dee"),
        schema=THREE_WAY,
    )
    _annotate(session, campaign_id, ANN, "yes")
    item = _annotate(session, campaign_id, BOB, "no")
    session.refresh(item)
    assert (item.state, item.quota, item.filled) == ("collecting", 3, 2)
    item = _annotate(session, campaign_id, CAT, "maybe")
    session.refresh(item)
    # Still no agreement, and at the maximum: the committee decides.
    assert item.quota == 3 and item.state in ("disputed", "in_review")
    assert queue.claim_next(session, by=DEE, campaign_id=campaign_id) is None


def test_adaptive_overlap_settles_when_the_third_annotator_makes_agreement(session):
    campaign_id, _ = queue_campaign(
        session, traces=1, overlap=2, adaptive=True, max_overlap=5, schema=THREE_WAY
    )
    _annotate(session, campaign_id, ANN, "yes")
    _annotate(session, campaign_id, BOB, "no")
    item = _annotate(session, campaign_id, CAT, "yes")
    session.refresh(item)
    assert (item.state, item.quota) == ("promoted", 3)


def test_a_claim_near_its_leases_end_is_told_once_per_lease(session):
    campaign_id, _ = queue_campaign(session, traces=1, lease_seconds=60)
    claim = queue.claim_next(session, by=ANN, campaign_id=campaign_id)
    assert queue.note_expiring(session) == 1  # a minute left: within the two
    queue.note_expiring(session)
    told = session.exec(select(Event).where(Event.type == "assignment.expiring")).all()
    assert len(told) == 1
    assert told[0].payload["annotator"] == ANN.name
    assert told[0].payload["item_id"] == claim.item_id
