"""field votes: a vote names the disputed field or list element it is cast on ("" for the
whole value), one per (item, round, reviewer, field); an item keeps why its decided votes
make no value the schema accepts

Revision ID: 3f8a2c6d1e07
Revises: 9c1e7d2b4a60
Create Date: 2026-12-02 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "3f8a2c6d1e07"
down_revision: str | None = "9c1e7d2b4a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "review_problem", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True
            )
        )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "field",
                sqlmodel.sql.sqltypes.AutoString(length=1024),
                nullable=False,
                server_default="",
            )
        )
        batch_op.drop_constraint("uq_vote_per_round", type_="unique")
        batch_op.create_unique_constraint(
            "uq_vote_per_round_field", ["item_id", "review_round", "reviewer_id", "field"]
        )


def downgrade() -> None:
    # Going back keeps each reviewer's vote on the whole value; field votes have no place.
    op.execute(sa.text("DELETE FROM votes WHERE field <> ''"))
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_constraint("uq_vote_per_round_field", type_="unique")
        batch_op.create_unique_constraint(
            "uq_vote_per_round", ["item_id", "review_round", "reviewer_id"]
        )
        batch_op.drop_column("field")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("review_problem")
