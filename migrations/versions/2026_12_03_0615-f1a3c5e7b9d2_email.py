"""email: people's addresses and preferences, each event's notices for people, each email sent

Revision ID: f1a3c5e7b9d2
Revises: c8d0e2f4a6b8
Create Date: 2026-12-03 06:15:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "f1a3c5e7b9d2"
down_revision: str | None = "c8d0e2f4a6b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNMAILED = sa.text("mailed_at IS NULL")
_DUE = sa.text("status = 'pending'")
_UNSENT = sa.text("email_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True)
        )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True))
    # What happened before email existed is nobody's news now: none of it is mailed.
    op.execute("UPDATE events SET mailed_at = created_at")
    # The key Message-IDs are made with, here before any email: one made by the pass that
    # sends the first email would die with it if that pass did, and its resend would carry
    # another Message-ID.
    op.execute(
        sa.text(
            "INSERT INTO instance_secrets (name, value) VALUES ('message-ids', :value)"
        ).bindparams(value=secrets.token_hex(32))
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_unmailed",
            ["id"],
            unique=False,
            sqlite_where=_UNMAILED,
            postgresql_where=_UNMAILED,
        )
    with op.batch_alter_table("reconcile_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("emails_woken", sa.Integer(), nullable=False, server_default="0")
        )

    op.create_table(
        "email_preferences",
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", "event_type"),
    )
    op.create_table(
        "emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.create_index(
            "ix_emails_due",
            ["next_attempt_at"],
            unique=False,
            sqlite_where=_DUE,
            postgresql_where=_DUE,
        )
        batch_op.create_index(batch_op.f("ix_emails_username"), ["username"], unique=False)
    op.create_table(
        "email_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["email_id"], ["emails.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "username", name="uq_notice_per_person"),
    )
    with op.batch_alter_table("email_notices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notices_unsent",
            ["due_at"],
            unique=False,
            sqlite_where=_UNSENT,
            postgresql_where=_UNSENT,
        )
        batch_op.create_index(batch_op.f("ix_email_notices_email_id"), ["email_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("email_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_notices_email_id"))
        batch_op.drop_index("ix_notices_unsent", sqlite_where=_UNSENT, postgresql_where=_UNSENT)
    op.drop_table("email_notices")
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emails_username"))
        batch_op.drop_index("ix_emails_due", sqlite_where=_DUE, postgresql_where=_DUE)
    op.drop_table("emails")
    op.drop_table("email_preferences")
    with op.batch_alter_table("reconcile_runs", schema=None) as batch_op:
        batch_op.drop_column("emails_woken")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_events_unmailed", sqlite_where=_UNMAILED, postgresql_where=_UNMAILED
        )
        batch_op.drop_column("mailed_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
    op.execute("DELETE FROM instance_secrets WHERE name = 'message-ids'")
