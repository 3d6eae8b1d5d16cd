"""When a dashboard is computed again: after decisions, at most so often for its cost, and by
the reconciler for decisions that slipped past (a snapshot that was running, a throttle)."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlmodel import Session, col

from workflow import outbox
from workflow.kernel.task_names import TaskName
from workflow.models import DashboardSnapshot, Decision, Item
from workflow.models.base import as_utc, utcnow

# A dashboard is computed again no sooner than this many times its last computation took,
# so a campaign whose snapshot takes 10 s spends at most a quarter of a worker on it.
COST_FACTOR = 3.0
MIN_GAP = timedelta(seconds=1)


def note_decisions(session: Session, *, item_ids: Sequence[int]) -> list[int]:
    """Ask for a snapshot of the campaigns of these items, which may have been decided."""
    candidates = (
        select(Item.campaign_id)
        .where(col(Item.id).in_(item_ids), col(Item.campaign_id).is_not(None))
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            DashboardSnapshot.campaign_id,
            DashboardSnapshot.computed_at,
            DashboardSnapshot.took_seconds,
        ).where(
            col(DashboardSnapshot.campaign_id).in_(candidates),
            col(DashboardSnapshot.stale_since).is_(None),
        )
    ).all()
    return ask(session, _due(rows, utcnow()))


def refresh_missed(session: Session, *, limit: int = 100) -> int:
    """Ask for a snapshot of every campaign with decisions newer than its figures: the
    reconciler's pass, for what `note_decisions` left to the throttle or lost to a race."""
    newer = exists().where(
        Decision.item_id == Item.id,
        Item.campaign_id == DashboardSnapshot.campaign_id,
        col(Decision.id) > DashboardSnapshot.last_decision_id,
    )
    rows = session.execute(
        select(
            DashboardSnapshot.campaign_id,
            DashboardSnapshot.computed_at,
            DashboardSnapshot.took_seconds,
        )
        .where(col(DashboardSnapshot.stale_since).is_(None), newer)
        .limit(limit)
    ).all()
    return len(ask(session, _due(rows, utcnow())))


def ask(session: Session, campaign_ids: Sequence[int]) -> list[int]:
    """Mark the campaigns' dashboards stale and enqueue one snapshot each, unless one is asked
    for already (stale_since is set): a compare-and-set, so two askers enqueue one."""
    if not campaign_ids:
        return []
    marked = session.execute(
        update(DashboardSnapshot)
        .where(
            col(DashboardSnapshot.campaign_id).in_(campaign_ids),
            col(DashboardSnapshot.stale_since).is_(None),
        )
        .values(stale_since=utcnow())
        .returning(DashboardSnapshot.campaign_id)
    )
    asked = sorted(marked.scalars().all())
    outbox.enqueue_many(session, TaskName.SNAPSHOT_CAMPAIGN, [{"campaign_id": c} for c in asked])
    return asked


def _due(rows: Sequence, now: datetime) -> list[int]:
    due = []
    for campaign_id, computed_at, took in rows:
        gap = max(MIN_GAP, timedelta(seconds=COST_FACTOR * took))
        if computed_at is None or now - as_utc(computed_at) >= gap:
            due.append(campaign_id)
    return due
