"""hidden annotators and send-back: a committee may see annotators under pseudonyms, keyed by
a secret kept in the database; each item remembers which committee its current round went to,
and the note it was sent back to its annotators with

Revision ID: a4c8e2f6b1d3
Revises: d5e6f7a8b9c0
Create Date: 2026-12-02 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a4c8e2f6b1d3"
down_revision: str | None = "d5e6f7a8b9c0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("committee_rules") as batch:
        batch.add_column(
            sa.Column("hide_annotators", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("items") as batch:
        batch.add_column(
            sa.Column("review_scope", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True)
        )
        batch.add_column(
            sa.Column("return_note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True)
        )
    op.create_table(
        "instance_secrets",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("instance_secrets")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("return_note")
        batch.drop_column("review_scope")
    with op.batch_alter_table("committee_rules") as batch:
        batch.drop_column("hide_annotators")
