"""Items: found or created for (trace, span, name), locked in a fixed order before any change."""

from typing import Any, NamedTuple

from sqlalchemy import Insert, String, bindparam, case, exists, literal_column, text, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from workflow import audit
from workflow.items.canonical import valid_canonical
from workflow.kernel.db import per_dialect
from workflow.kernel.errors import Conflict, NotFound
from workflow.kernel.states import ItemEvent, ItemState, next_state
from workflow.models import Assessment, Item, LabelSchema, Trace
from workflow.models.base import utcnow
from workflow.traces.store import trace_not_found

_ITEMS = Item.__table__


class ItemRef(NamedTuple):
    """What a proposal needs of its item, read without loading the row as an ORM object."""

    id: int
    state: str
    schema_id: int | None
    # Whether (trace, span, name) has a valid canonical expectation: a proposal logged now
    # reads as superseded.
    canonical: bool = False
    campaign_id: int | None = None


def _upsert(insert_for_dialect) -> Insert:
    """INSERT ... SELECT ... ON CONFLICT for a campaign-free item of an existing trace,
    returning the ItemRef columns; no row when the trace does not exist."""
    items, schemas = Item.__table__.c, LabelSchema.__table__.c
    traces = Trace.__table__.c
    schema_id = select(schemas.id).where(schemas.name == bindparam("name")).scalar_subquery()
    source = select(
        traces.trace_id,
        bindparam("span_id", type_=String),
        bindparam("name", type_=String),
        schema_id,
    ).where(traces.trace_id == bindparam("trace_id"))
    statement = insert_for_dialect(Item.__table__).from_select(
        ["trace_id", "span_id", "name", "schema_id"], source
    )
    # Spelled out against an alias: RETURNING does not correlate a subquery with the row.
    canon = Assessment.__table__.alias("canon")
    canonical = exists().where(
        canon.c.trace_id == literal_column("items.trace_id"),
        canon.c.span_id == literal_column("items.span_id"),
        canon.c.name == literal_column("items.name"),
        *valid_canonical(canon.c),
    )
    return statement.on_conflict_do_update(
        index_elements=["trace_id", "span_id", "name"],
        index_where=text("campaign_id IS NULL"),
        set_={"name": statement.excluded.name},
    ).returning(items.id, items.state, items.schema_id, canonical)


# Built once: constructing this statement cost more than running it (profiled).
_UPSERT = per_dialect(_upsert)


def item_for(session: Session, *, trace_id: str, span_id: str, name: str) -> ItemRef:
    """The campaign-free item for (trace, span, name), created if new, locked until commit;
    NotFound if the trace does not exist.

    One upsert that returns the row: a new item is inserted; an existing one is "updated" to
    itself, which locks it (PostgreSQL) just as SELECT ... FOR UPDATE would. Two annotators
    creating the same item at once both end up with the one row. The same round trip checks
    the trace and reads whether the item's key has a canonical expectation.
    """
    statement = _UPSERT(session)
    row = session.execute(statement, {"trace_id": trace_id, "span_id": span_id, "name": name})
    found = row.one_or_none()
    if found is None:
        raise trace_not_found(trace_id)
    return ItemRef(*found)


# Built once, like the other statements of the hot paths: every evaluation runs it.
_LOCK = (
    select(Item)
    .where(col(Item.id).in_(bindparam("item_ids", expanding=True)))
    .order_by(col(Item.id))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def lock_items(session: Session, item_ids: list[int]) -> list[Item]:
    """The items, in id order (the order every writer locks them in), locked until the
    transaction ends (row locks on PostgreSQL); NotFound if one does not exist."""
    items = list(session.exec(_LOCK, params={"item_ids": item_ids}).all())
    if len(items) != len(set(item_ids)):
        missing = sorted(set(item_ids) - {item.id for item in items})
        raise NotFound(f"item {missing[0]} not found")
    return items


def lock_item(session: Session, item_id: int) -> Item:
    """The item row, locked until the transaction ends (row lock on PostgreSQL)."""
    return lock_items(session, [item_id])[0]


Move = tuple[Item, tuple[ItemEvent, ...]]


# Who moves an item unless the caller says otherwise: the pipeline's tasks.
PIPELINE = "quorum:pipeline"


def transition(
    session: Session, item: Item, *events: ItemEvent, actor: str = PIPELINE, **details: Any
) -> ItemState:
    """Move the item through one or more events by the state table (see `transition_all`)."""
    transition_all(session, [(item, events)], actor=actor, **details)
    return ItemState(item.state)


def transition_all(
    session: Session, moves: list[Move], *, actor: str = PIPELINE, **details: Any
) -> None:
    """Move each item (each at most once in `moves`) through its events by the state table, as
    one compare-and-set on every (id, version); each step gets its audit entry, by `actor`
    with `details` (a committee's voters, say). Several events and several items cost one
    UPDATE: the rows are locked, nobody sees the middle."""
    if not moves:
        return
    targets, entries = {}, []
    for item, events in moves:
        state = ItemState(item.state)
        for event in events:
            target = next_state(state, event)
            entries.append(
                audit.row(
                    actor=actor,
                    action="item.transition",
                    subject_type="item",
                    subject_id=str(item.id),
                    details={
                        "source": state.value,
                        "target": target.value,
                        "event": event.value,
                        **details,
                    },
                )
            )
            state = target
        targets[item.id] = state.value
    now = utcnow()
    session.flush()  # pending changes to the rows go out before the compare-and-set
    columns = _ITEMS.c
    result = session.execute(
        update(_ITEMS)
        .where(
            columns.id.in_(list(targets)),
            columns.version == case({i.id: i.version for i, _ in moves}, value=columns.id),
        )
        .values(
            state=case(targets, value=columns.id),
            version=columns.version + 1,
            state_changed_at=now,
        )
    )
    if result.rowcount != len(targets):
        raise Conflict(f"items {sorted(targets)} changed under us; their task will run again")
    # The rows now hold these values: record them as loaded, so no second UPDATE follows.
    for item, _ in moves:
        set_committed_value(item, "state", targets[item.id])
        set_committed_value(item, "version", item.version + 1)
        set_committed_value(item, "state_changed_at", now)
    audit.record_rows(session, entries)
