"""The snapshot task: read a campaign's proposals and decisions once, compute its dashboard's
figures with the consensus engine, and store them for the page to read."""

import time
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from workflow.consensus import ConsensusError, LabelSchemaSpec
from workflow.dashboard.figures import schema_figures
from workflow.dashboard.reads import Proposals, moments, proposals
from workflow.dashboard.timeline import disputed_fields, progress_series, time_to_consensus
from workflow.models import DashboardSnapshot, Decision, Item, LabelSchema
from workflow.models.base import utcnow


def snapshot(session: Session, *, campaign_id: int) -> bool:
    """Compute and store the campaign's figures; False when a newer snapshot is stored already
    (two ran at once) and this one's figures were dropped."""
    started, clock = utcnow(), time.perf_counter()
    seen = session.execute(
        select(func.coalesce(func.max(Decision.id), 0))
        .join(Item, col(Item.id) == Decision.item_id)
        .where(Item.campaign_id == campaign_id)
    ).scalar_one()
    figures = compute(session, campaign_id=campaign_id, now=started)
    took = time.perf_counter() - clock
    figures["took_seconds"] = took
    stored = session.execute(
        update(DashboardSnapshot)
        .where(
            DashboardSnapshot.campaign_id == campaign_id,
            col(DashboardSnapshot.last_decision_id) <= seen,
        )
        .values(
            figures=figures,
            last_decision_id=seen,
            computed_at=started,
            stale_since=None,
            took_seconds=took,
        )
    )
    return stored.rowcount == 1


def compute(session: Session, *, campaign_id: int, now: datetime) -> dict[str, Any]:
    """The campaign's figures as of now: per schema, over time, and where disputes fall."""
    specs = _specs(session, campaign_id)
    # Core rows on the session's connection: the ORM's result machinery cost a second a million.
    connection = session.connection()
    read = proposals(connection, campaign_id)
    timeline = moments(connection, campaign_id, read)
    schemas = [
        _schema(schema_id, name, spec, read)
        for schema_id, (name, spec) in sorted(specs.items(), key=lambda kv: kv[1][0])
    ]
    states = session.execute(
        select(Item.state, func.count())
        .where(Item.campaign_id == campaign_id)
        .group_by(col(Item.state))
    ).all()
    return {
        "computed_at": now.isoformat(),
        "items": len(timeline),
        "states": dict(sorted(states)),
        "proposals": len(read.code),
        "schemas": schemas,
        "progress": progress_series(timeline, now),
        "time_to_consensus": time_to_consensus(timeline),
        "disputed_fields": disputed_fields(timeline),
    }


def _schema(schema_id: int, name: str, spec: LabelSchemaSpec, read: Proposals) -> dict:
    if not read.count(schema_id):
        return {"schema": name, "value_type": spec.value_type.value, "proposals": 0}
    try:
        return schema_figures(spec, read.ratings(spec, schema_id))
    except ConsensusError as exc:
        # Values stored before the schema changed may no longer fit it: say so, and go on.
        return {"schema": name, "value_type": spec.value_type.value, "error": str(exc)}


def _specs(session: Session, campaign_id: int) -> dict[int, tuple[str, LabelSchemaSpec]]:
    used = select(Item.schema_id).where(Item.campaign_id == campaign_id).distinct()
    rows = session.execute(
        select(LabelSchema.id, LabelSchema.name, LabelSchema.spec).where(
            col(LabelSchema.id).in_(used.scalar_subquery())
        )
    )
    return {i: (name, LabelSchemaSpec.from_dict(spec)) for i, name, spec in rows}
