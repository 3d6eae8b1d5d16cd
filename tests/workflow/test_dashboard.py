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
from workflow.identity import users
from workflow.identity.access import actor_for, trusted
from workflow.kernel.errors import Forbidden, NotFound
from workflow.kernel.task_names import TaskName
from workflow.models import Assessment, DashboardSnapshot, OutboxMessage
from workflow.models.base import utcnow

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
