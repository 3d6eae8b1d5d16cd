"""A campaign's dashboard on a real database: decisions ask for a snapshot, the worker's
snapshot holds the engine's figures for the campaign's own table, the throttle and the
reconciler keep it fresh, and only leads, reviewers and admins may read it."""

from datetime import timedelta

import numpy as np
import pytest
from sqlmodel import select, update

from tests.factories import propose, queue_campaign, reviewers, run_outbox
from workflow import campaigns, dashboard, review
from workflow.consensus import alpha
from workflow.dashboard.reads import moments, proposals
from workflow.dashboard.timeline import ItemMoments, Moments
from workflow.identity import users
from workflow.identity.access import actor_for, trusted
from workflow.kernel.errors import Forbidden, NotFound
from workflow.kernel.task_names import TaskName
from workflow.models import Assessment, DashboardSnapshot, Decision, Item, OutboxMessage
from workflow.models.base import as_utc, utcnow

ROOT = trusted("root")
OPTIONS = ["yes", "no", "maybe"]
SCHEMA = {"name": "verdict", "value_type": "categorical", "options": OPTIONS}
# Per trace: what ann, bob and cat answer. Two agree, two are disputed, one waits for cat.
ANSWERS = [
    ("yes", "yes", "yes"),
    ("yes", "no", "maybe"),
    ("no", "no", "no"),
    ("yes", "no", None),
    ("no", "maybe", "yes"),
]


def seeded(session) -> tuple[int, list[int]]:
    campaign_id, trace_ids = queue_campaign(session, traces=len(ANSWERS), schema=SCHEMA)
    item_ids = []
    for trace_id, answers in zip(trace_ids, ANSWERS, strict=True):
        for annotator, value in zip(("ann", "bob", "cat"), answers, strict=True):
            if value is not None:
                item_id = propose(session, trace_id, annotator, value, name="verdict")
        item_ids.append(item_id)
    return campaign_id, item_ids


def table_of(session, item_ids: list[int]) -> np.ndarray:
    """The raters x units table of the proposals, built by hand: the options' places."""
    rows = session.exec(
        select(Assessment.source_id, Assessment.item_id, Assessment.value).where(
            Assessment.item_id.in_(item_ids), Assessment.role == "proposal"
        )
    ).all()
    raters = sorted({r for r, _, _ in rows})
    units = sorted(item_ids)
    table = np.full((len(raters), len(units)), np.nan)
    for rater, unit, value in rows:
        table[raters.index(rater), units.index(unit)] = OPTIONS.index(value)
    return table


def test_decisions_bring_a_snapshot_whose_alpha_is_the_engines_on_the_same_table(session):
    reviewers(session, "rev")
    review.set_committee(session, scope="default", members=["rev"], actor="test")
    campaign_id, item_ids = seeded(session)
    assert dashboard.dashboard(session, campaign_id=campaign_id, by=ROOT).computed_at is None
    ran = run_outbox(session)
    # The first decision asked for a snapshot; the later ones came within the throttle's gap,
    # so the next snapshot is the reconciler's to ask for. Run it as the worker would.
    assert ran.count(TaskName.SNAPSHOT_CAMPAIGN) == 1
    assert dashboard.snapshot(session, campaign_id=campaign_id)

    view = dashboard.dashboard(session, campaign_id=campaign_id, by=ROOT)
    assert view.computed_at is not None and not view.stale
    figures = view.figures
    assert figures["items"] == len(ANSWERS) and figures["proposals"] == 14
    (schema,) = figures["schemas"]
    (whole,) = schema["alpha"]
    expected = alpha(table_of(session, item_ids), "nominal", bootstrap=200, seed=0)
    assert whole["field"] == "" and whole["value"] == pytest.approx(expected.value, abs=1e-12)
    assert whole["ci"] == pytest.approx(list(expected.ci), abs=1e-12)
    assert whole["n_pairable_values"] == expected.n_pairable_values == 14
    assert schema["kappa"]["raters"] == ["ann", "bob", "cat"]
    reliability = {r["annotator"]: r for r in schema["reliability"]}
    assert {name: r["proposals"] for name, r in reliability.items()} == {
        "ann": 5,
        "bob": 5,
        "cat": 4,
    }
    assert all(0 <= r["dawid_skene"] <= 1 for r in reliability.values())
    assert figures["states"] == {"collecting": 1, "in_review": 2, "promoted": 2}
    assert figures["time_to_consensus"]["groups"]["auto"]["items"] == 2
    assert figures["disputed_fields"] == [
        {"schema": "verdict", "field": "", "disputes": 2, "share": 0.5}
    ]
    assert figures["progress"]["points"][-1]["decided"] == 2


def defined_moments(session, campaign_id: int) -> Moments:
    """Each item's moments as defined, from its rows one by one: the earliest live proposal,
    and the first disputed and first deciding decision by id."""
    out = []
    for item in session.exec(select(Item).where(Item.campaign_id == campaign_id).order_by(Item.id)):
        live = session.exec(
            select(Assessment.created_at).where(
                Assessment.item_id == item.id,
                Assessment.role == "proposal",
                Assessment.deleted_at.is_(None),
            )
        ).all()
        decisions = session.exec(
            select(Decision).where(Decision.item_id == item.id).order_by(Decision.id)
        ).all()
        disputed = next((d for d in decisions if d.outcome == "disputed"), None)
        decided = next((d for d in decisions if d.outcome in ("agreed", "resolved")), None)
        out.append(
            ItemMoments(
                item.id,
                "verdict",
                as_utc(min(live)) if live else None,
                as_utc(disputed.created_at) if disputed else None,
                as_utc(decided.created_at) if decided else None,
                decided.method if decided else None,
                tuple(disputed.record.get("disputed_fields") or ()) if disputed else (),
            )
        )
    return Moments.of(out)


def test_the_snapshot_reads_each_items_first_proposal_dispute_and_decision(session):
    reviewers(session, "rev")
    review.set_committee(session, scope="default", members=["rev"], actor="test")
    campaign_id, item_ids = seeded(session)
    run_outbox(session)
    # Later decisions on decided and disputed items, and a first pair on the waiting one.
    for item_id, outcome, method in [
        (item_ids[0], "disputed", "auto"),
        (item_ids[1], "resolved", "committee"),
        (item_ids[1], "disputed", "auto"),
        (item_ids[3], "disputed", "auto"),
        (item_ids[3], "resolved", "committee"),
        (item_ids[3], "agreed", "auto"),
    ]:
        record = {"disputed_fields": ["tone"]}
        session.add(
            Decision(item_id=item_id, outcome=outcome, method=method, algorithm="t", record=record)
        )
    session.flush()
    # Times apart by odd microseconds, in no order, and the earliest proposal withdrawn.
    base = utcnow() - timedelta(days=2)
    for table in (Assessment, Decision):
        for k, row in enumerate(session.exec(select(table)).all()):
            row.created_at = base + timedelta(seconds=(k * 7919) % 5003, microseconds=k * 104729)
    earliest = session.exec(select(Assessment).order_by(Assessment.created_at)).first()
    earliest.deleted_at = utcnow()
    session.flush()

    connection = session.connection()
    read = moments(connection, campaign_id, proposals(connection, campaign_id))
    expected = defined_moments(session, campaign_id)
    assert (read.schema, read.method, read.disputed_fields) == (
        expected.schema,
        expected.method,
        expected.disputed_fields,
    )
    for got, want in [
        (read.first_proposal, expected.first_proposal),
        (read.disputed, expected.disputed),
        (read.decided, expected.decided),
    ]:
        np.testing.assert_array_equal(got, want)


def test_the_throttle_defers_to_the_reconciler_which_asks_once(session):
    campaign_id, item_ids = seeded(session)
    run_outbox(session)
    row = session.get(DashboardSnapshot, campaign_id)
    # A snapshot that took 100 s is not asked for again within 300 s of it.
    session.exec(
        update(DashboardSnapshot)
        .where(DashboardSnapshot.campaign_id == campaign_id)
        .values(took_seconds=100.0, computed_at=utcnow(), last_decision_id=0)
    )
    assert dashboard.note_decisions(session, item_ids=item_ids) == []
    session.exec(
        update(DashboardSnapshot)
        .where(DashboardSnapshot.campaign_id == campaign_id)
        .values(computed_at=utcnow() - timedelta(seconds=301))
    )
    assert dashboard.refresh_missed(session) == 1
    assert dashboard.refresh_missed(session) == 0  # asked for already: stale_since is set
    session.refresh(row)
    assert row.stale_since is not None
    pending = session.exec(
        select(OutboxMessage.payload).where(
            OutboxMessage.task == TaskName.SNAPSHOT_CAMPAIGN,
            OutboxMessage.completed_at.is_(None),
        )
    ).all()
    assert pending == [{"campaign_id": campaign_id}]
    run_outbox(session)
    session.refresh(row)
    assert row.stale_since is None and row.last_decision_id > 0
    assert dashboard.refresh_missed(session) == 0


def test_an_older_snapshot_never_overwrites_a_newer_one(session):
    campaign_id, _ = seeded(session)
    run_outbox(session)
    newest = session.get(DashboardSnapshot, campaign_id).last_decision_id
    session.exec(
        update(DashboardSnapshot)
        .where(DashboardSnapshot.campaign_id == campaign_id)
        .values(last_decision_id=newest + 1000)
    )
    assert dashboard.snapshot(session, campaign_id=campaign_id) is False


def test_leads_reviewers_and_admins_read_it_and_nobody_else(session):
    campaign_id, _ = seeded(session)
    users.create_user(session, username="lee", role="lead", actor="test")
    reviewers(session, "rev", "outsider")
    review.set_committee(session, scope="default", members=["rev"], actor="test")
    roles = {"ann": "annotator", "bob": "annotator", "cat": "annotator", "lee": "lead"}
    campaigns.set_members(session, campaign_id=campaign_id, roles=roles, by=ROOT)
    lee = actor_for("lee", "lead", can_import=False)
    assert dashboard.dashboard(session, campaign_id=campaign_id, by=lee).may_refresh
    rev = actor_for("rev", "reviewer", can_import=False)
    assert not dashboard.dashboard(session, campaign_id=campaign_id, by=rev).may_refresh
    with pytest.raises(Forbidden):
        dashboard.dashboard(
            session, campaign_id=campaign_id, by=actor_for("ann", "annotator", can_import=False)
        )
    with pytest.raises(NotFound):
        dashboard.dashboard(
            session,
            campaign_id=campaign_id,
            by=actor_for("outsider", "reviewer", can_import=False),
        )
    with pytest.raises(Forbidden):
        dashboard.refresh(session, campaign_id=campaign_id, by=rev)
    assert dashboard.refresh(session, campaign_id=campaign_id, by=lee) is True
    assert dashboard.refresh(session, campaign_id=campaign_id, by=lee) is False
