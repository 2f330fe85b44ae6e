"""E-mail: outbox, per-kind preferences, reminders given, projects saved for later.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUS = sa.Enum(
    "queued",
    "held",
    "digested",
    "sent",
    "failed",
    name="outboxstatus",
    native_enum=False,
    create_constraint=False,
    length=20,
)
_MODE = sa.Enum(
    "immediately",
    "digest",
    "off",
    name="mailmode",
    native_enum=False,
    create_constraint=False,
    length=20,
)


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("secret_url", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("status", _STATUS, nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", core.types.UTCDateTime(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("claimed_until", core.types.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", core.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["digest_id"], ["mail_outbox.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_mail_outbox_user_status", "mail_outbox", ["user_id", "status"])
    op.create_table(
        "mail_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("mode", _MODE, nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("user_id", "kind"),
    )
    op.create_table(
        "reminder_sent",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("at", core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "saved_project",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("user_id", "project_id"),
    )
    op.create_index("ix_saved_project_project_id", "saved_project", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_saved_project_project_id", table_name="saved_project")
    op.drop_table("saved_project")
    op.drop_table("reminder_sent")
    op.drop_table("mail_preference")
    op.drop_index("ix_mail_outbox_user_status", table_name="mail_outbox")
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    op.drop_table("mail_outbox")
