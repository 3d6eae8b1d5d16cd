"""Fifty annotators draining a queue of a thousand items at once on PostgreSQL: some crash with
a claim, some come back after their lease ran out, and still every item ends with exactly k
annotators, each seated and proposing once."""

import random
import threading
import time
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlmodel import Session, col, func, select

from tests.factories import LIMITS, annotator, queue_campaign
from workflow import queue
from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.errors import Conflict
from workflow.models import Assessment, Item, Role, Seat
from workflow.models.base import as_utc, utcnow

THREADS, ITEMS, K = 50, 1000, 3
# Of every claim: this share crashes (never submitted), this share comes back after its lease
# ran out (accepted while the item has room, refused once the seat went to someone else), and
# this share renews its lease in time first. About 130 crashes and 65 late returns in a run.
CRASH, LATE, HEARTBEAT = 0.04, 0.02, 0.05
# Well above a run (measured 30-40 s on two busy cores); past it the threads give up and the
# assertions below say what was left.
DEADLINE_SECONDS = 150

SUBMITTED, CRASHED, LATE_ACCEPTED, LATE_REFUSED = "submitted", "crashed", "late", "refused"

# Work for an annotator may still appear: a seat not submitted on an item they have not done
# (a crashed claim's lapsed seat comes back; an item another claimer has locked comes free).
_MAYBE_LEFT = text(
    """
    SELECT EXISTS (
        SELECT 1 FROM seats AS s
        WHERE s.campaign_id = :campaign_id AND s.status <> 'submitted'
          AND NOT EXISTS (
              SELECT 1 FROM seats AS mine
              WHERE mine.item_id = s.item_id AND mine.holder = :me
                AND mine.status = 'submitted'
          )
    )
    """
)


@dataclass
class Ledger:
    """What one annotator's thread did: each claim with how it ended, and any error."""

    claims: list[tuple[int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _lease_runs_out(engine, item_id: int, holder: str) -> None:
    """What waiting out the lease would do, without the wait."""
    with unit_of_work(engine) as session:
        session.exec(
            update(Seat)
            .where(col(Seat.item_id) == item_id, col(Seat.holder) == holder)
            .where(col(Seat.status) == "claimed")
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )


def _submit(engine, by, item_id: int, value: str) -> None:
    with unit_of_work(engine) as session:
        queue.submit_claim(
            session,
            by=by,
            item_id=item_id,
            value=value,
            rationale=None,
            limits=LIMITS,
            default_overlap=K,
        )


def _late(engine, by, item_id: int, rng: random.Random) -> bool:
    """Back after the lease ran out, with a heartbeat first or straight to submitting: whether
    the work was accepted. A renewed claim must be accepted; a refusal says why."""
    if rng.random() < 0.5:
        try:
            with unit_of_work(engine) as session:
                queue.heartbeat(session, by=by, item_id=item_id)
        except Conflict as ended:
            assert "lease ran out" in str(ended), ended
            return False
        _submit(engine, by, item_id, rng.choice(["yes", "no"]))  # no refusal may follow
        return True
    try:
        _submit(engine, by, item_id, rng.choice(["yes", "no"]))
    except Conflict as refused:
        assert "went to someone else" in str(refused), refused
        return False
    return True


def _annotate(engine, campaign_id: int, name: str, seed: int, deadline: float) -> Ledger:
    """One annotator claiming and submitting until nothing is left for them."""
    rng, by, ledger = random.Random(seed), annotator(name), Ledger()
    while time.monotonic() < deadline:
        try:
            with unit_of_work(engine) as session:
                claim = queue.claim_next(session, by=by, campaign_id=campaign_id)
            if claim is None:
                with Session(engine) as session:
                    left = session.execute(_MAYBE_LEFT, {"campaign_id": campaign_id, "me": name})
                    if not left.scalar():
                        return ledger
                time.sleep(0.02)
                continue
            item_id, roll = claim.item_id, rng.random()
            if roll < CRASH:
                ledger.claims.append((item_id, CRASHED))
                _lease_runs_out(engine, item_id, name)
                time.sleep(rng.uniform(0, 0.05))  # down for a while, then back at work
                continue
            if roll < CRASH + LATE:
                _lease_runs_out(engine, item_id, name)
                time.sleep(rng.uniform(0, 0.1))  # others may take the seat meanwhile
                accepted = _late(engine, by, item_id, rng)
                ledger.claims.append((item_id, LATE_ACCEPTED if accepted else LATE_REFUSED))
                continue
            if roll < CRASH + LATE + HEARTBEAT:
                with unit_of_work(engine) as session:
                    queue.heartbeat(session, by=by, item_id=item_id)
            _submit(engine, by, item_id, rng.choice(["yes", "no"]))
            ledger.claims.append((item_id, SUBMITTED))
        except Exception:
            ledger.errors.append(traceback.format_exc())
            if len(ledger.errors) > 5:
                return ledger
    ledger.errors.append(f"{name} still had work at the deadline")
    return ledger


def _reconcile(engine, stop: threading.Event, lapsed: list[int], errors: list[str]) -> None:
    """The reconciler's periodic pass over lapsed leases, beside the claimers."""
    while not stop.wait(0.05):
        try:
            with unit_of_work(engine) as session:
                lapsed.append(queue.expire_leases(session))
        except Exception:
            errors.append(traceback.format_exc())


@pytest.fixture
def pool_for_everyone(committed):
    """The test database with a connection for every thread: no one waits for the pool."""
    url = committed.url.render_as_string(hide_password=False)
    engine = make_engine(url, pool_size=THREADS // 2 + 2)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_fifty_annotators_fill_a_thousand_items_exactly(pool_for_everyone):
    engine = pool_for_everyone
    names = tuple(f"ann{i:02d}" for i in range(THREADS))
    with unit_of_work(engine) as session:
        campaign_id, _ = queue_campaign(session, traces=ITEMS, annotators=names, overlap=K)

    stop, lapsed, reconciler_errors = threading.Event(), [], []
    reconciler = threading.Thread(target=_reconcile, args=(engine, stop, lapsed, reconciler_errors))
    reconciler.start()
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            ledgers = dict(
                zip(
                    names,
                    pool.map(
                        lambda i: _annotate(engine, campaign_id, names[i], i, deadline),
                        range(THREADS),
                    ),
                    strict=True,
                )
            )
    finally:
        stop.set()
        reconciler.join()

    errors = [error for ledger in ledgers.values() for error in ledger.errors]
    assert not errors + reconciler_errors, "\n".join((errors + reconciler_errors)[:3])

    with Session(engine) as session:
        items = session.exec(
            select(Item.id, Item.quota, Item.filled, Item.state).where(
                Item.campaign_id == campaign_id
            )
        ).all()
        seats = session.exec(
            select(Seat.item_id, Seat.holder, Seat.status).where(Seat.campaign_id == campaign_id)
        ).all()
        live = session.exec(
            select(Assessment.item_id, Assessment.source_id).where(
                Assessment.role == Role.PROPOSAL, col(Assessment.deleted_at).is_(None)
            )
        ).all()
        proposals = session.exec(
            select(func.count()).select_from(Assessment).where(Assessment.role == Role.PROPOSAL)
        ).one()

    assert len(items) == ITEMS
    # filled counts the non-open seats, and every item got exactly its quota of annotators.
    non_open = Counter(item_id for item_id, _, status in seats if status != "open")
    assert all(filled == non_open[item_id] for item_id, _, filled, _ in items)
    assert {(quota, filled, state) for _, quota, filled, state in items} == {(K, K, "collecting")}
    assert Counter(status for _, _, status in seats) == {"submitted": K * ITEMS}
    submitted = Counter((item_id, holder) for item_id, holder, _ in seats)
    assert max(submitted.values()) == 1, "someone holds two seats on one item"
    assert all(n == K for n in Counter(item_id for item_id, _ in submitted).values())
    # Exactly one live proposal per seat, from its holder; nothing was stored for a refusal.
    assert Counter(live) == Counter(submitted)
    assert proposals == len(live) == K * ITEMS

    # No claim lost: each one ended submitted by its claimer (in time or late), or its lease
    # ran out and the seat went back (a crash, a refused late submit); none is still held.
    outcomes = Counter(outcome for ledger in ledgers.values() for _, outcome in ledger.claims)
    done = {
        (item_id, name)
        for name, ledger in ledgers.items()
        for item_id, outcome in ledger.claims
        if outcome in (SUBMITTED, LATE_ACCEPTED)
    }
    assert outcomes[SUBMITTED] + outcomes[LATE_ACCEPTED] == len(done) == K * ITEMS
    assert done == set(submitted)
    assert outcomes[CRASHED] > 0 and outcomes[LATE_ACCEPTED] + outcomes[LATE_REFUSED] > 0
    # The reconciler gave back no more leases than ran out; claims gave back the rest.
    assert sum(lapsed) <= outcomes[CRASHED] + outcomes[LATE_ACCEPTED] + outcomes[LATE_REFUSED]


def _wait_until_blocked(engine, seconds: float = 10) -> None:
    """Return once another backend of the test database waits on a row lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with Session(engine) as session:
            if session.execute(query).scalar():
                return
        time.sleep(0.01)
    raise AssertionError("the other writer never waited for the lock")


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
@pytest.mark.parametrize("overlap", [1, 2])
def test_a_lease_renewed_while_someone_takes_the_seat_over_stays_with_its_holder(
    committed, overlap
):
    """A heartbeat renews a lapsed lease (it locks only the seat) while a proposal without a
    claim looks for a free seat: once the renewal commits, the proposal takes another free
    seat if there is one, and is refused if not; the renewed claim stays its holder's."""
    with unit_of_work(committed) as session:
        campaign_id, _ = queue_campaign(
            session, traces=1, annotators=("ann", "bob"), overlap=overlap
        )
    ann, bob = annotator("ann"), annotator("bob")
    with unit_of_work(committed) as session:
        item_id = queue.claim_next(session, by=ann, campaign_id=campaign_id).item_id
    _lease_runs_out(committed, item_id, "ann")
    with Session(committed) as renewal, ThreadPoolExecutor(1) as pool:
        expires = queue.heartbeat(renewal, by=ann, item_id=item_id)  # not committed yet
        late = pool.submit(_submit, committed, bob, item_id, "yes")
        _wait_until_blocked(committed)  # bob read ann's seat as lapsed and waits to take it
        renewal.commit()
        if overlap == 1:
            with pytest.raises(Conflict, match="went to someone else"):
                late.result(timeout=10)
        else:
            late.result(timeout=10)
    with Session(committed) as session:
        seats = session.exec(select(Seat).where(Seat.item_id == item_id)).all()
        filled = session.get(Item, item_id).filled
    held = {seat.holder: (seat.seat, seat.status) for seat in seats if seat.holder}
    expected = {"ann": (1, "claimed")} | ({"bob": (2, "submitted")} if overlap == 2 else {})
    assert (held, filled) == (expected, overlap)
    (renewed,) = (seat for seat in seats if seat.holder == "ann")
    assert as_utc(renewed.lease_expires_at) == expires
