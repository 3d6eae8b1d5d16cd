"""hidden annotators and send-back: a committee may see annotators under pseudonyms, keyed by
a secret kept in the database; each item remembers which committee its current round went to,
and the note it was sent back to its annotators with

Revision ID: a4c8e2f6b1d3
Revises: e7f8a9b0c1d2
Create Date: 2026-12-02 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a4c8e2f6b1d3"
down_revision: str | None = "e7f8a9b0c1d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("committee_rules") as batch:
        batch.add_column(
            sa.Column("hide_annotators", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Natively, not in a batch: a batch copy of items would break the foreign keys to it.
    op.add_column(
        "items",
        sa.Column("review_scope", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    )
    op.add_column(
        "items",
        sa.Column("return_note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    )
    op.create_table(
        "instance_secrets",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("instance_secrets")
    op.drop_column("items", "return_note")
    op.drop_column("items", "review_scope")
    with op.batch_alter_table("committee_rules") as batch:
        batch.drop_column("hide_annotators")
