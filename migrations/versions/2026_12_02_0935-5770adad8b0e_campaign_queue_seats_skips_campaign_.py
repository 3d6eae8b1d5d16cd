"""campaign queue: seats, skips, campaign settings

Revision ID: 5770adad8b0e
Revises: 6694df435555
Create Date: 2026-12-02 09:35:26.357979

Seats make a campaign item's quota a row count: k rows per item, one holder each, (item,
holder) unique. ix_items_claimable holds only the items a claim can still take, so a claim
reads the head of one index whatever the campaign's size. The new NOT NULL columns take server
defaults so that existing campaigns and items keep their meaning.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5770adad8b0e"
down_revision: str | None = "6694df435555"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seats",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
        ),
        sa.PrimaryKeyConstraint("item_id", "seat"),
        sa.UniqueConstraint("item_id", "holder", name="uq_seats_holder"),
    )
    with op.batch_alter_table("seats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seats_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index("ix_seats_holder", ["holder", "status"], unique=False)
        batch_op.create_index(
            "ix_seats_lease",
            ["lease_expires_at"],
            unique=False,
            sqlite_where=sa.text("status = 'claimed'"),
            postgresql_where=sa.text("status = 'claimed'"),
        )

    op.create_table(
        "skips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("annotator", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "annotator", name="uq_skips_annotator"),
    )
    with op.batch_alter_table("skips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skips_campaign_id"), ["campaign_id"], unique=False)

    with op.batch_alter_table("campaign_schemas", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("span_name", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True)
        )
        batch_op.add_column(
            sa.Column("span_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_overlap", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("instructions", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("blind", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("show_suggestions", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "ordering",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="finish_first",
            )
        )
        batch_op.add_column(
            sa.Column("lease_seconds", sa.Integer(), nullable=False, server_default="600")
        )
        batch_op.add_column(
            sa.Column(
                "created_by",
                sqlmodel.sql.sqltypes.AutoString(length=256),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("reconcile_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("leases_expired", sa.Integer(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quota", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("filled", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(
            "ix_items_claimable",
            ["campaign_id", "filled", "id"],
            unique=False,
            sqlite_where=sa.text(
                "campaign_id IS NOT NULL AND filled < quota AND state IN ('collecting', 'reopened')"
            ),
            postgresql_where=sa.text(
                "campaign_id IS NOT NULL AND filled < quota AND state IN ('collecting', 'reopened')"
            ),
        )


def downgrade() -> None:
    with op.batch_alter_table("reconcile_runs", schema=None) as batch_op:
        batch_op.drop_column("leases_expired")

    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_items_claimable",
            sqlite_where=sa.text(
                "campaign_id IS NOT NULL AND filled < quota AND state IN ('collecting', 'reopened')"
            ),
            postgresql_where=sa.text(
                "campaign_id IS NOT NULL AND filled < quota AND state IN ('collecting', 'reopened')"
            ),
        )
        batch_op.drop_column("filled")
        batch_op.drop_column("quota")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
        batch_op.drop_column("created_by")
        batch_op.drop_column("lease_seconds")
        batch_op.drop_column("ordering")
        batch_op.drop_column("show_suggestions")
        batch_op.drop_column("blind")
        batch_op.drop_column("instructions")
        batch_op.drop_column("priority")
        batch_op.drop_column("max_overlap")

    with op.batch_alter_table("campaign_schemas", schema=None) as batch_op:
        batch_op.drop_column("span_type")
        batch_op.drop_column("span_name")

    with op.batch_alter_table("skips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skips_campaign_id"))

    op.drop_table("skips")
    with op.batch_alter_table("seats", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_seats_lease",
            sqlite_where=sa.text("status = 'claimed'"),
            postgresql_where=sa.text("status = 'claimed'"),
        )
        batch_op.drop_index("ix_seats_holder")
        batch_op.drop_index(batch_op.f("ix_seats_campaign_id"))

    op.drop_table("seats")
