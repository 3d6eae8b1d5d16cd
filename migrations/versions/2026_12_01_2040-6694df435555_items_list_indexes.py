"""items list indexes

Revision ID: 6694df435555
Revises: f3ddb9c2695d
Create Date: 2026-12-01 20:40:12.000000

Measured on PostgreSQL 15 with 300,000 items (the newest fifth collecting, the rest promoted
with a few disputed and in review), best of five, one page of 51 newest first:
a trace's items 51 ms -> 0.6 ms; a rare name 39 ms -> 0.8 ms; a rare state far down the
pages 7 ms -> 0.9 ms. Without a filter, and for the state most items are in, the planner keeps
walking the primary key backwards (0.5 ms and 10-18 ms); a campaign's items use
uq_items_campaign.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6694df435555"
down_revision: str | None = "f3ddb9c2695d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index("ix_items_state_id", ["state", "id"], unique=False)
        batch_op.create_index("ix_items_name_id", ["name", "id"], unique=False)
        batch_op.create_index("ix_items_trace", ["trace_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_trace")
        batch_op.drop_index("ix_items_name_id")
        batch_op.drop_index("ix_items_state_id")
