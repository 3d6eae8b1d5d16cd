"""A Hypothesis state machine over the annotator queue: claims, heartbeats, lapsed leases,
skips, releases, submits, withdrawals, adaptive top-ups and closing never break the seats."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from tests.backends import wipe
from tests.factories import LIMITS, annotator, queue_campaign, run_outbox
from workflow import assessments, campaigns, queue
from workflow.identity.access import trusted
from workflow.kernel.db import unit_of_work
from workflow.kernel.errors import Conflict, InvalidInput, NotFound
from workflow.kernel.states import COLLECTING_STATES
from workflow.models import Assessment, Campaign, Item, OutboxMessage, Role, Seat, Skip
from workflow.models.base import as_utc, utcnow

ANNOTATORS = ("ann", "bob", "cat", "dee", "eve")
# Three options: two annotators disagree often enough for adaptive overlap to draw a third.
SCHEMA = {"name": "verdict3", "value_type": "categorical", "options": ["yes", "no", "maybe"]}
WHO = st.sampled_from(ANNOTATORS)


@dataclass(frozen=True)
class Snapshot:
    """The queue as the database holds it between two steps."""

    now: datetime
    items: dict[int, Item]
    seats: list[Seat]
    live: set[tuple[int, str]]  # (item, annotator) of the live proposals on campaign items
    skips: set[tuple[int, str]]
    open: list[int]  # the open campaigns, in the order a claim across them tries them
    pending: int  # outbox messages the workers have yet to run

    @classmethod
    def read(cls, engine) -> "Snapshot":
        with Session(engine) as session:
            items = {item.id: item for item in session.exec(select(Item))}
            seats = list(session.exec(select(Seat).order_by(col(Seat.item_id), col(Seat.seat))))
            live = session.exec(
                select(Assessment.item_id, Assessment.source_id).where(
                    Assessment.role == Role.PROPOSAL, col(Assessment.deleted_at).is_(None)
                )
            ).all()
            skips = session.exec(select(Skip.item_id, Skip.annotator)).all()
            # Equal priorities and no due dates: the oldest campaign first.
            open_ = session.exec(
                select(Campaign.id).where(Campaign.status == "open").order_by(col(Campaign.id))
            ).all()
            pending = session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    col(OutboxMessage.completed_at).is_(None), col(OutboxMessage.dead_at).is_(None)
                )
            ).one()
        in_campaign = {i for i, item in items.items() if item.campaign_id is not None}
        return cls(
            now=utcnow(),
            items=items,
            seats=seats,
            live={(i, who) for i, who in live if i in in_campaign},
            skips=set(skips),
            open=list(open_),
            pending=pending,
        )

    @property
    def seats_taken(self) -> bool:
        return any(seat.status != "open" for seat in self.seats)

    def lapsed(self, seat: Seat) -> bool:
        return seat.status == "claimed" and as_utc(seat.lease_expires_at) < self.now

    def seat_of(self, item_id: int, who: str) -> Seat | None:
        return next((s for s in self.seats if s.item_id == item_id and s.holder == who), None)

    def claimed_by(self, who: str) -> list[int]:
        """Items where `who` has a claimed seat, live or lapsed."""
        return [s.item_id for s in self.seats if s.holder == who and s.status == "claimed"]

    def live_claims(self, who: str, campaign_id: int) -> set[int]:
        return {
            s.item_id
            for s in self.seats
            if s.holder == who
            and s.campaign_id == campaign_id
            and s.status == "claimed"
            and not self.lapsed(s)
        }

    def has_room(self, item_id: int) -> bool:
        """A seat is open, or its lease ran out (a claim or a submit takes it over)."""
        return any(s.status == "open" or self.lapsed(s) for s in self.seats if s.item_id == item_id)

    def eligible(self, who: str, campaign_id: int) -> set[int]:
        """What a claim may offer `who` in the campaign: a collecting item with room that they
        neither hold (a live claim or a submitted seat) nor skipped."""
        found = set()
        for item_id, item in self.items.items():
            mine = self.seat_of(item_id, who)
            if (
                item.campaign_id == campaign_id
                and item.state in COLLECTING_STATES
                and (item_id, who) not in self.skips
                and (mine is None or self.lapsed(mine))
                and self.has_room(item_id)
            ):
                found.add(item_id)
        return found

    def check_offer(self, who: str, campaign_id: int | None, claim) -> None:
        """What claim_next returned is right: the annotator's live claim in the first open
        campaign where they have one or there is work for them, else an item eligible there;
        None only when no open campaign has either."""
        for candidate in self.open if campaign_id is None else [campaign_id]:
            held, eligible = self.live_claims(who, candidate), self.eligible(who, candidate)
            if held or eligible:
                assert claim is not None, (who, candidate, held, eligible)
                assert claim.campaign_id == candidate
                assert claim.item_id in (held or eligible), (who, claim, held, eligible)
                return
        assert claim is None, (who, claim)


def _someone_claimed(machine) -> bool:
    return any(seat.status == "claimed" for seat in machine.snapshot.seats)


def queue_machine(engine):
    class Queue(RuleBasedStateMachine):
        @initialize()
        def fresh_database(self):
            wipe(engine)
            with unit_of_work(engine) as session:
                fixed, _ = queue_campaign(
                    session, traces=2, annotators=ANNOTATORS, overlap=2, schema=SCHEMA
                )
                adaptive, _ = queue_campaign(
                    session,
                    traces=2,
                    annotators=ANNOTATORS,
                    overlap=2,
                    adaptive=True,
                    max_overlap=3,
                    schema=SCHEMA,
                )
            self.campaigns = (fixed, adaptive)
            # The proposals accepted and not withdrawn: the database must hold exactly these.
            self.proposals: set[tuple[int, str]] = set()
            # Read by the invariants after every step, so the next step starts from it.
            self.snapshot = Snapshot.read(engine)

        def _target(self, data) -> tuple[str, int]:
            """Who acts on which item: mostly a claim someone holds, sometimes anyone on any
            campaign item (a refusal, a submit without a claim)."""
            snap = self.snapshot
            claims = sorted((s.holder, s.item_id) for s in snap.seats if s.status == "claimed")
            if claims and data.draw(st.integers(0, 3)):
                return data.draw(st.sampled_from(claims))
            items = sorted(i for i, item in snap.items.items() if item.campaign_id)
            return data.draw(WHO), data.draw(st.sampled_from(items))

        def _open(self, item_id: int) -> bool:
            return self.snapshot.items[item_id].campaign_id in self.snapshot.open

        def _claim(self, who: str, campaign_id: int | None):
            """claim_next as the annotator, checked against what the queue held before."""
            snap = self.snapshot
            try:
                with unit_of_work(engine) as session:
                    claim = queue.claim_next(session, by=annotator(who), campaign_id=campaign_id)
            except Conflict:
                assert campaign_id not in snap.open  # a closed campaign takes no claims
                return None
            assert campaign_id is None or campaign_id in snap.open
            snap.check_offer(who, campaign_id, claim)
            assert claim is None or claim.lease_expires_at > snap.now
            return claim

        def _submit(self, who: str, item_id: int, value: str) -> None:
            snap = self.snapshot
            seated = snap.seat_of(item_id, who) is not None
            try:
                with unit_of_work(engine) as session:
                    queue.submit_claim(
                        session,
                        by=annotator(who),
                        item_id=item_id,
                        value=value,
                        rationale=None,
                        limits=LIMITS,
                        default_overlap=2,
                    )
            except Conflict as refused:
                # Refused only when closed, or when the item has no room for a newcomer.
                assert not self._open(item_id) or not (seated or snap.has_room(item_id)), refused
                return
            # Accepted: an edit of their proposal, their claim (even lapsed, if still theirs),
            # or a free seat (open, or a lapsed lease taken over).
            assert self._open(item_id) and (seated or snap.has_room(item_id))
            self.proposals.add((item_id, who))

        @rule(who=WHO, where=st.sampled_from([None, 0, 1]))
        def claim(self, who, where):
            self._claim(who, None if where is None else self.campaigns[where])

        @rule(who=WHO, value=st.sampled_from(SCHEMA["options"]))
        def annotate(self, who, value):
            """The common path: claim across one's campaigns, then submit at once."""
            claim = self._claim(who, None)
            if claim is not None:
                self._submit(who, claim.item_id, value)

        @precondition(_someone_claimed)
        @rule(data=st.data())
        def heartbeat(self, data):
            who, item_id = self._target(data)
            holds = item_id in self.snapshot.claimed_by(who) and self._open(item_id)
            try:
                with unit_of_work(engine) as session:
                    expires = queue.heartbeat(session, by=annotator(who), item_id=item_id)
            except Conflict:
                assert not holds  # closed, or the claim ended
                return
            assert holds  # a late heartbeat renews a lapsed lease nobody has taken over
            assert expires > self.snapshot.now

        @precondition(_someone_claimed)
        @rule(data=st.data(), reconciler=st.booleans())
        def expire(self, data, reconciler):
            """Some claims' leases run out; the reconciler may give their seats back."""
            claimed = [(s.item_id, s.seat) for s in self.snapshot.seats if s.status == "claimed"]
            ran_out = data.draw(st.lists(st.sampled_from(claimed), min_size=1, unique=True))
            with unit_of_work(engine) as session:
                for item_id, seat in ran_out:
                    session.exec(
                        update(Seat)
                        .where(col(Seat.item_id) == item_id, col(Seat.seat) == seat)
                        .values(lease_expires_at=utcnow() - timedelta(seconds=1))
                    )
            if reconciler:
                after = Snapshot.read(engine)
                with unit_of_work(engine) as session:
                    given_back = queue.expire_leases(session)
                assert given_back == sum(1 for s in after.seats if after.lapsed(s))

        @precondition(_someone_claimed)
        @rule(data=st.data(), reason=st.sampled_from(["unclear", "off topic", "  ", "x" * 1001]))
        def skip(self, data, reason):
            who, item_id = self._target(data)
            try:
                with unit_of_work(engine) as session:
                    queue.skip(session, by=annotator(who), item_id=item_id, reason=reason)
            except NotFound:
                assert item_id not in self.snapshot.claimed_by(who) and reason.strip()
                return
            except InvalidInput:
                assert not 1 <= len(reason.strip()) <= 1000
                return
            assert item_id in self.snapshot.claimed_by(who) and reason.strip()

        @precondition(_someone_claimed)
        @rule(data=st.data())
        def release(self, data):
            who, item_id = self._target(data)
            try:
                with unit_of_work(engine) as session:
                    queue.release(session, by=annotator(who), item_id=item_id)
            except NotFound:
                assert item_id not in self.snapshot.claimed_by(who)
                return
            assert item_id in self.snapshot.claimed_by(who)

        @rule(data=st.data(), value=st.sampled_from(SCHEMA["options"]))
        def submit(self, data, value):
            self._submit(*self._target(data), value)

        @precondition(lambda self: self.proposals)
        @rule(data=st.data())
        def withdraw(self, data):
            item_id, who = data.draw(st.sampled_from(sorted(self.proposals)))
            with unit_of_work(engine) as session:
                proposal = session.exec(
                    select(Assessment).where(
                        Assessment.item_id == item_id,
                        Assessment.source_id == who,
                        Assessment.role == Role.PROPOSAL,
                        col(Assessment.deleted_at).is_(None),
                    )
                ).one()
                assessments.delete_assessment(
                    session,
                    trace_id=proposal.trace_id,
                    assessment_id=proposal.assessment_id,
                    by=annotator(who),
                )
            self.proposals.discard((item_id, who))

        @precondition(lambda self: self.snapshot.pending)
        @rule()
        def pipeline(self):
            """The workers catch up: items with their quota are decided; a disputed adaptive
            item below its maximum gets one more seat and collects again."""
            with unit_of_work(engine) as session:
                run_outbox(session, default_overlap=2)

        # Once per example, when there is work under way: claims and proposals of a closed
        # campaign are what this rule is about.
        @precondition(lambda self: len(self.snapshot.open) == 2 and self.snapshot.seats_taken)
        @rule(which=st.sampled_from([0, 1]))
        def close(self, which):
            with unit_of_work(engine) as session:
                campaigns.close_campaign(
                    session, campaign_id=self.campaigns[which], by=trusted("lead")
                )

        @invariant()
        def queue_holds(self):
            # One read for both checks, and for the next step to start from.
            self.snapshot = Snapshot.read(engine)
            self._seats_hold(self.snapshot)
            self._claims_offer_only_what_is_theirs_to_take(self.snapshot)

        def _seats_hold(self, snap: Snapshot) -> None:
            per_item = Counter(s.item_id for s in snap.seats)
            for item_id, item in snap.items.items():
                if item.campaign_id is None:
                    assert per_item[item_id] == 0
                    continue
                numbers = sorted(s.seat for s in snap.seats if s.item_id == item_id)
                assert numbers == list(range(1, item.quota + 1)), (item_id, numbers, item.quota)
                non_open = sum(1 for s in snap.seats if s.item_id == item_id and s.status != "open")
                assert item.filled == non_open, (item_id, item.filled, non_open)
            holders = Counter((s.item_id, s.holder) for s in snap.seats if s.holder)
            assert all(n == 1 for n in holders.values()), holders
            for s in snap.seats:
                assert (s.status == "open") == (s.holder is None), s
                assert (s.status == "claimed") == (s.lease_expires_at is not None), s
            # A submitted seat is a live proposal by its holder, and the other way round.
            submitted = {(s.item_id, s.holder) for s in snap.seats if s.status == "submitted"}
            assert submitted == snap.live == self.proposals, (submitted, snap.live)

        def _claims_offer_only_what_is_theirs_to_take(self, snap: Snapshot) -> None:
            """Asked now, each annotator would be offered nothing they hold, submitted or
            skipped, nothing of a closed campaign, and something whenever there is work."""
            for who in ANNOTATORS:
                with Session(engine) as session:  # a probe: rolled back, nothing claimed
                    claim = queue.claim_next(session, by=annotator(who))
                    session.rollback()
                snap.check_offer(who, None, claim)

    return Queue


def test_the_queue_keeps_its_invariants(committed):
    machine = queue_machine(committed)
    # 15 examples of up to 30 steps, five probing claims after each: measured 6-17 s on SQLite
    # and 16-29 s on PostgreSQL on two cores (the higher figures beside other suites). Every
    # rule and outcome (a top-up to the maximum, a promotion reopened by a withdrawal, a late
    # heartbeat, a skip) shows up within a run or two.
    machine.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    machine.TestCase().runTest()
