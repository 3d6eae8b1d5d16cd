"""committee rules and review deadlines: a committee's quorum rule, its m, its chair, its
deadline; an item's round due date and escalation; the reconciler's count of escalations

Revision ID: 9c1e7d2b4a60
Revises: 5770adad8b0e
Create Date: 2026-12-02 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "9c1e7d2b4a60"
down_revision: str | None = "5770adad8b0e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "committee_rules",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("min_votes", sa.Integer(), nullable=False),
        sa.Column("chair", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("deadline_seconds", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("escalation", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_items_review_due",
            ["review_due_at"],
            unique=False,
            sqlite_where=sa.text("review_due_at IS NOT NULL"),
            postgresql_where=sa.text("review_due_at IS NOT NULL"),
        )
    with op.batch_alter_table("reconcile_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reviews_escalated", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("reconcile_runs", schema=None) as batch_op:
        batch_op.drop_column("reviews_escalated")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_review_due")
        batch_op.drop_column("escalation")
        batch_op.drop_column("review_due_at")
    op.drop_table("committee_rules")
