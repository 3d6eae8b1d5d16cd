"""Items: found or created for (trace, span, name), locked in a fixed order before any change."""

from sqlalchemy import text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from workflow import audit
from workflow.db import is_postgres
from workflow.errors import Conflict, NotFound
from workflow.models import Item, LabelSchema
from workflow.models.base import utcnow
from workflow.states import ItemEvent, ItemState, next_state


def item_for(session: Session, *, trace_id: str, span_id: str, name: str) -> Item:
    """The campaign-free item for (trace, span, name), created if new, locked until commit.

    One upsert that returns the row: a new item is inserted; an existing one is "updated" to
    itself, which locks it (PostgreSQL) just as SELECT ... FOR UPDATE would. Two annotators
    creating the same item at once both end up with the one row.
    """
    dialect_insert = pg_insert if is_postgres(session) else sqlite_insert
    schema_id = select(LabelSchema.id).where(LabelSchema.name == name).scalar_subquery()
    statement = dialect_insert(Item).values(
        trace_id=trace_id, span_id=span_id, name=name, schema_id=schema_id
    )
    statement = statement.on_conflict_do_update(
        index_elements=["trace_id", "span_id", "name"],
        index_where=text("campaign_id IS NULL"),
        set_={"name": statement.excluded.name},
    ).returning(Item)
    return session.scalars(statement, execution_options={"populate_existing": True}).one()


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


def transition(session: Session, item: Item, event: ItemEvent) -> ItemState:
    """Move the item by the state table as a compare-and-set on (id, version)."""
    source = ItemState(item.state)
    target = next_state(source, event)
    changes = {"state": target.value, "version": item.version + 1, "state_changed_at": utcnow()}
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
    audit.record(
        session,
        actor="quorum:pipeline",
        action="item.transition",
        subject_type="item",
        subject_id=str(item.id),
        source=source.value,
        target=target.value,
        event=event.value,
    )
    return target
