"""The items of a bulk import: created where new, then locked, in a few statements."""

from typing import Any

from sqlalchemy import select, text, tuple_
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from workflow.imports.checks import chunks
from workflow.kernel.db import is_postgres
from workflow.kernel.states import ItemState
from workflow.models import Item, LabelSchema
from workflow.models.base import utcnow

_ITEMS = Item.__table__.c

# SQLite's insert-or-ignore. RETURNING makes SQLAlchemy send pages of multi-row VALUES
# ("insertmanyvalues"); without it each row would be its own INSERT.
_INSERT_NEW = (
    sqlite_insert(Item.__table__)
    .on_conflict_do_nothing(
        index_elements=["trace_id", "span_id", "name"],
        index_where=_ITEMS.campaign_id.is_(None),
    )
    .returning(_ITEMS.id)
)
_ITEM_COLUMNS = (
    _ITEMS.id,
    _ITEMS.trace_id,
    _ITEMS.span_id,
    _ITEMS.name,
    _ITEMS.state,
    _ITEMS.schema_id,
)


def items_for(session: Session, entries: list) -> dict[tuple[str, str, str], Any]:
    """Each entry's campaign-free item, created if new, then all locked (in id order, as any
    concurrent import locks them): key -> (id, trace, span, name, state, schema_id)."""
    keys = sorted({(t, d.span_id or "", d.name) for t, d in entries})
    names = sorted({name for *_, name in keys})
    by_name = select(LabelSchema.name, LabelSchema.id).where(LabelSchema.name.in_(names))
    schema_ids = {name: schema_id for name, schema_id in session.execute(by_name)}
    rows = [
        {"trace_id": t, "span_id": s, "name": n, "schema_id": schema_ids.get(n)} for t, s, n in keys
    ]
    # Insert-or-ignore, then read: updating existing rows to lock them (as a single call
    # does) would write a new version of each, which at this size cost more than the rest.
    if is_postgres(session):
        return _items_by_arrays(session, rows)
    return _items_by_rows(session, rows, keys)


def _items_by_rows(session: Session, rows: list[dict[str, Any]], keys: list) -> dict:
    """SQLite: pages of rows, then a read (its BEGIN IMMEDIATE already serialises writers)."""
    session.execute(_INSERT_NEW, rows).all()
    items = {}
    for chunk in chunks(keys):
        statement = (
            select(*_ITEM_COLUMNS)
            .where(tuple_(_ITEMS.trace_id, _ITEMS.span_id, _ITEMS.name).in_(chunk))
            .where(_ITEMS.campaign_id.is_(None))
            .order_by(_ITEMS.id)
        )
        for row in session.execute(statement):
            items[(row.trace_id, row.span_id, row.name)] = row
    return items


# PostgreSQL takes the keys as four arrays, whatever their number: a few parameters instead
# of one per value, and no statement to render per batch (measured: ~5x faster at 5,000).
_KEYS = (
    "unnest(CAST(:trace_ids AS text[]), CAST(:span_ids AS text[]), CAST(:names AS text[]),"
    " CAST(:schema_ids AS int[])) AS k(trace_id, span_id, name, schema_id)"
)
_INSERT_KEYS = text(
    "INSERT INTO items (trace_id, span_id, name, schema_id, state, version, review_round,"
    " state_changed_at, created_at)"
    f" SELECT k.trace_id, k.span_id, k.name, k.schema_id, :state, 0, 0, :now, :now FROM {_KEYS}"
    " ON CONFLICT (trace_id, span_id, name) WHERE campaign_id IS NULL DO NOTHING"
)
_LOCK_KEYS = text(
    "SELECT i.id, i.trace_id, i.span_id, i.name, i.state, i.schema_id"
    f" FROM items i JOIN {_KEYS} USING (trace_id, span_id, name)"
    " WHERE i.campaign_id IS NULL ORDER BY i.id FOR UPDATE OF i"
)


def _items_by_arrays(session: Session, rows: list[dict[str, Any]]) -> dict:
    """PostgreSQL: insert-or-ignore, then lock every row of the batch in id order."""
    arrays = {
        "trace_ids": [row["trace_id"] for row in rows],
        "span_ids": [row["span_id"] for row in rows],
        "names": [row["name"] for row in rows],
        "schema_ids": [row["schema_id"] for row in rows],
    }
    session.execute(_INSERT_KEYS, {**arrays, "state": ItemState.COLLECTING.value, "now": utcnow()})
    return {
        (row.trace_id, row.span_id, row.name): row for row in session.execute(_LOCK_KEYS, arrays)
    }
