"""dashboard snapshots: each campaign's dashboard figures, the newest decision they include,
and whether a newer one asked for a snapshot; the reconciler's count of dashboards it refreshed

Revision ID: b3f1a7c9d2e8
Revises: 3f8a2c6d1e07
Create Date: 2026-12-02 17:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "b3f1a7c9d2e8"
down_revision: str | None = "3f8a2c6d1e07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_snapshots",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column(
            "figures",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("last_decision_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stale_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("took_seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"]),
        sa.PrimaryKeyConstraint("campaign_id"),
    )
    with op.batch_alter_table("reconcile_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dashboards_refreshed", sa.Integer(), nullable=False, server_default="0")
        )
    # Every campaign has its dashboard row; the first decision after this asks for figures.
    op.execute(
        "INSERT INTO dashboard_snapshots"
        " (campaign_id, figures, last_decision_id, took_seconds)"
        " SELECT id, '{}', 0, 0 FROM campaigns"
    )


def downgrade() -> None:
    with op.batch_alter_table("reconcile_runs", schema=None) as batch_op:
        batch_op.drop_column("dashboards_refreshed")
    op.drop_table("dashboard_snapshots")
