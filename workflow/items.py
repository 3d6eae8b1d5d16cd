"""Items: found or created for (trace, span, name), locked in a fixed order before any change."""

from typing import NamedTuple

from sqlalchemy import Insert, bindparam, text, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from workflow import audit
from workflow.db import per_dialect
from workflow.errors import Conflict, NotFound
from workflow.models import Item, LabelSchema
from workflow.models.base import utcnow
from workflow.states import ItemEvent, ItemState, next_state


class ItemRef(NamedTuple):
    """What a proposal needs of its item, read without loading the row as an ORM object."""

    id: int
    state: str
    schema_id: int | None


def _upsert(insert_for_dialect) -> Insert:
    """INSERT ... ON CONFLICT for a campaign-free item, returning the ItemRef columns."""
    items, schemas = Item.__table__.c, LabelSchema.__table__.c
    schema_id = select(schemas.id).where(schemas.name == bindparam("name")).scalar_subquery()
    statement = insert_for_dialect(Item.__table__).values(
        trace_id=bindparam("trace_id"),
        span_id=bindparam("span_id"),
        name=bindparam("name"),
        schema_id=schema_id,
    )
    return statement.on_conflict_do_update(
        index_elements=["trace_id", "span_id", "name"],
        index_where=text("campaign_id IS NULL"),
        set_={"name": statement.excluded.name},
    ).returning(items.id, items.state, items.schema_id)


# Built once: constructing this statement cost more than running it (profiled).
_UPSERT = per_dialect(_upsert)


def item_for(session: Session, *, trace_id: str, span_id: str, name: str) -> ItemRef:
    """The campaign-free item for (trace, span, name), created if new, locked until commit.

    One upsert that returns the row: a new item is inserted; an existing one is "updated" to
    itself, which locks it (PostgreSQL) just as SELECT ... FOR UPDATE would. Two annotators
    creating the same item at once both end up with the one row.
    """
    statement = _UPSERT(session)
    row = session.execute(statement, {"trace_id": trace_id, "span_id": span_id, "name": name})
    return ItemRef(*row.one())


def lock_item(session: Session, item_id: int) -> Item:
    """The item row, locked until the transaction ends (row lock on PostgreSQL)."""
    statement = (
        select(Item)
        .where(Item.id == item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    item = session.exec(statement).first()
    if item is None:
        raise NotFound(f"item {item_id} not found")
    return item


def transition(session: Session, item: Item, *events: ItemEvent) -> ItemState:
    """Move the item through one or more events by the state table, as one compare-and-set on
    (id, version); each step gets its audit entry. Several events in one call (evaluate, agree,
    promote) cost one UPDATE instead of one each: the row is locked, nobody sees the middle."""
    steps, state = [], ItemState(item.state)
    for event in events:
        target = next_state(state, event)
        steps.append((state, target, event))
        state = target
    changes = {"state": state.value, "version": item.version + 1, "state_changed_at": utcnow()}
    session.flush()  # pending changes to the row go out before the compare-and-set
    result = session.exec(
        update(Item)
        .where(col(Item.id) == item.id, col(Item.version) == item.version)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(f"item {item.id} changed under us; its task will run again")
    # The row now holds these values: record them as loaded, so no second UPDATE follows.
    for name, value in changes.items():
        set_committed_value(item, name, value)
    audit.record_many(
        session,
        actor="quorum:pipeline",
        action="item.transition",
        subject_type="item",
        subject_id=str(item.id),
        details=[
            {"source": source.value, "target": target.value, "event": event.value}
            for source, target, event in steps
        ],
    )
    return state
