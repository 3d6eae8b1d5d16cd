"""review contest: an item keeps how contested the dispute that sent it to review was, and
that dispute's disputed field paths, for the review queue's order and field filter; items
already in review get theirs from their latest dispute decision

Revision ID: e7f8a9b0c1d2
Revises: d5e6f7a8b9c0
Create Date: 2026-12-02 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e7f8a9b0c1d2"
down_revision: str | None = "d5e6f7a8b9c0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The backfill reads and writes this many items at a time, so a large queue is not held in memory.
CHUNK = 1000

_items = sa.table(
    "items",
    sa.column("id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("contest", sa.Float),
)
_decisions = sa.table(
    "decisions",
    sa.column("id", sa.Integer),
    sa.column("item_id", sa.Integer),
    sa.column("outcome", sa.String),
    sa.column("record", sa.JSON),
)
_fields = sa.table("item_disputed_fields", sa.column("item_id"), sa.column("field"))


def _contest(record: dict) -> float:
    # As workflow.items.disputes.contest_of defines it at this revision.
    score = record.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float):
        return 1.0
    return round(min(1.0, max(0.0, 1.0 - score)), 6)


def _backfill(connection: sa.Connection) -> None:
    latest = (
        sa.select(sa.func.max(_decisions.c.id))
        .where(_decisions.c.outcome == "disputed")
        .group_by(_decisions.c.item_id)
    )
    after = 0
    while True:
        rows = connection.execute(
            sa.select(_items.c.id, _decisions.c.record)
            .join(_decisions, _decisions.c.item_id == _items.c.id)
            .where(_items.c.state == "in_review", _items.c.id > after)
            .where(_decisions.c.id.in_(latest))
            .order_by(_items.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        after = rows[-1].id
        records = [(item_id, r if isinstance(r, dict) else {}) for item_id, r in rows]
        connection.execute(
            sa.update(_items)
            .where(_items.c.id == sa.bindparam("item"))
            .values(contest=sa.bindparam("score")),
            [{"item": item_id, "score": _contest(r)} for item_id, r in records],
        )
        fields = [
            {"item_id": item_id, "field": path}
            for item_id, r in records
            for path in dict.fromkeys(
                p for p in r.get("disputed_fields") or () if isinstance(p, str)
            )
        ]
        if fields:
            connection.execute(sa.insert(_fields), fields)


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contest", sa.Float(), nullable=False, server_default="0"))
        batch_op.create_index(
            "ix_items_state_contest_id", ["state", sa.text("contest DESC"), "id"], unique=False
        )
    op.create_table(
        "item_disputed_fields",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("item_id", "field"),
    )
    op.create_index(
        "ix_item_disputed_fields_field", "item_disputed_fields", ["field", "item_id"], unique=False
    )
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_item_disputed_fields_field", table_name="item_disputed_fields")
    op.drop_table("item_disputed_fields")
    op.drop_index("ix_items_state_contest_id", table_name="items")
    # ALTER TABLE ... DROP COLUMN, which SQLite has had since 3.35: a batch copy of the table
    # would drop the items that every other table refers to.
    op.drop_column("items", "contest")
