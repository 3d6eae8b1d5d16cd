"""A campaign's traces and items: selecting traces, and one item per (trace, span, schema)."""

import json
import random
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from workflow.campaigns.settings import SchemaTarget, TraceSelection
from workflow.items.seats import open_seats
from workflow.kernel.db import per_dialect
from workflow.kernel.errors import InvalidInput
from workflow.kernel.states import ItemState
from workflow.models import Campaign, CampaignSchema, CampaignTrace, Item, LabelSchema, Span, Trace
from workflow.traces.store import register_traces

# One campaign takes at most this many traces per call: its items are made in one transaction.
MAX_TRACES = 20_000

_ITEMS = Item.__table__


def select_traces(session: Session, selection: TraceSelection, *, actor: str) -> list[str]:
    """The trace ids a selection names, imported traces registered first; InvalidInput for an
    id that is not registered."""
    chosen: dict[str, None] = dict.fromkeys(selection.trace_ids)
    if selection.payloads:
        registered = register_traces(session, payloads=selection.payloads, actor=actor)
        chosen.update(dict.fromkeys([*registered.created, *registered.existing]))
    known = set(
        session.exec(select(Trace.trace_id).where(col(Trace.trace_id).in_(list(chosen)))).all()
    )
    missing = [trace_id for trace_id in selection.trace_ids if trace_id not in known]
    if missing:
        raise InvalidInput(f"no such traces: {', '.join(missing[:10])}")
    if selection.filters:
        chosen.update(dict.fromkeys(_filtered(session, selection)))
    if len(chosen) > MAX_TRACES:
        raise InvalidInput(f"a campaign takes at most {MAX_TRACES} traces at a time")
    return list(chosen)


def _filtered(session: Session, selection: TraceSelection) -> list[str]:
    """Registered traces in the time range with every tag given, sampled if asked."""
    statement = select(Trace.trace_id, Trace.info).order_by(col(Trace.request_time))
    if selection.since is not None:
        statement = statement.where(col(Trace.request_time) >= selection.since)
    if selection.until is not None:
        statement = statement.where(col(Trace.request_time) < selection.until)
    wanted = selection.tags.items()
    found = [
        trace_id
        for trace_id, info in session.execute(statement)
        if wanted <= (info.get("tags") or {}).items()
    ]
    if selection.sample is not None and selection.sample < len(found):
        # Seeded: the same request picks the same traces, so a lead can say which were drawn.
        found = sorted(random.Random(selection.seed).sample(found, selection.sample))
    return found


def span_type(data: dict[str, Any]) -> str | None:
    """A span's MLflow type (its attribute holds JSON text), if it has one."""
    raw = (data.get("attributes") or {}).get("mlflow.spanType")
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        value = raw
    return value if isinstance(value, str) else None


def _spans_for(session: Session, trace_ids: list[str], target: SchemaTarget) -> Iterable[tuple]:
    """(trace id, span id) of every span the target picks."""
    statement = select(Span.trace_id, Span.span_id, Span.name, Span.data).where(
        col(Span.trace_id).in_(trace_ids)
    )
    if target.span_name:
        statement = statement.where(Span.name == target.span_name)
    for trace_id, span_id, _name, data in session.execute(statement):
        if not target.span_type or span_type(data) == target.span_type:
            yield trace_id, span_id


def _insert_items(insert_for_dialect):
    statement = insert_for_dialect(_ITEMS)
    return statement.on_conflict_do_nothing(
        index_elements=["campaign_id", "trace_id", "span_id", "name"],
        index_where=_ITEMS.c.campaign_id.is_not(None),
    ).returning(_ITEMS.c.id)


_INSERT_ITEMS = per_dialect(_insert_items)


def add_items(session: Session, campaign: Campaign, trace_ids: list[str]) -> int:
    """Make the campaign's items for these traces (those it has are kept) with their seats;
    how many are new."""
    assert campaign.id is not None
    targets = session.exec(
        select(CampaignSchema, LabelSchema)
        .join(LabelSchema, col(LabelSchema.id) == CampaignSchema.schema_id)
        .where(CampaignSchema.campaign_id == campaign.id)
    ).all()
    rows = []
    for link, schema in targets:
        target = SchemaTarget(schema.name, link.span_name, link.span_type)
        keys = (
            _spans_for(session, trace_ids, target)
            if target.span_level
            else ((trace_id, "") for trace_id in trace_ids)
        )
        rows += [
            {
                "campaign_id": campaign.id,
                "trace_id": trace_id,
                "span_id": span_id,
                "name": schema.name,
                "schema_id": schema.id,
                "quota": campaign.overlap,
                "filled": 0,
                "state": ItemState.COLLECTING.value,
                "version": 0,
                "review_round": 0,
            }
            for trace_id, span_id in keys
        ]
    _link_traces(session, campaign.id, trace_ids)
    if not rows:
        return 0
    created = session.execute(_INSERT_ITEMS(session), rows).scalars().all()
    open_seats(session, [(item_id, campaign.id, campaign.overlap) for item_id in created])
    return len(created)


def _link_traces(session: Session, campaign_id: int, trace_ids: list[str]) -> None:
    have = set(
        session.exec(
            select(CampaignTrace.trace_id).where(CampaignTrace.campaign_id == campaign_id)
        ).all()
    )
    session.add_all(
        CampaignTrace(campaign_id=campaign_id, trace_id=trace_id)
        for trace_id in trace_ids
        if trace_id not in have
    )
