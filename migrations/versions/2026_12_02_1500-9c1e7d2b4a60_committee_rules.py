"""committee rules: a committee's quorum rule, its m, its chair

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
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )


def downgrade() -> None:
    op.drop_table("committee_rules")
