"""Match workspace: sessions, milestones, messages, read marks, feedback, self-efficacy.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_match_feedback_rating"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "author_id", name="uq_match_feedback_author"),
    )
    op.create_table(
        "match_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("match_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_match_message_application_id", ["application_id", "id"], unique=False
        )

    op.create_table(
        "match_milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "todo", "done", "verified", name="milestonestatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("done_at", core.types.UTCDateTime(), nullable=True),
        sa.Column("verified_at", core.types.UTCDateTime(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("match_milestone", schema=None) as batch_op:
        batch_op.create_index(
            "ix_match_milestone_application_position", ["application_id", "position"], unique=False
        )

    op.create_table(
        "match_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", core.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("minutes BETWEEN 15 AND 240", name="ck_match_session_minutes"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("match_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_match_session_application_held", ["application_id", "held_on"], unique=False
        )

    op.create_table(
        "message_read",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_read_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("application_id", "user_id"),
    )
    op.create_table(
        "self_efficacy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column(
            "phase",
            sa.Enum("start", "close", name="selfefficacyphase", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("item1", sa.Integer(), nullable=False),
        sa.Column("item2", sa.Integer(), nullable=False),
        sa.Column("item3", sa.Integer(), nullable=False),
        sa.Column("item4", sa.Integer(), nullable=False),
        sa.Column("item5", sa.Integer(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "item1 BETWEEN 1 AND 5 AND item2 BETWEEN 1 AND 5 AND item3 BETWEEN 1 AND 5 AND item4 BETWEEN 1 AND 5 AND item5 BETWEEN 1 AND 5",
            name="ck_self_efficacy_items",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "phase", name="uq_self_efficacy_phase"),
    )
    with op.batch_alter_table("self_efficacy", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_self_efficacy_student_id"), ["student_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("self_efficacy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_efficacy_student_id"))

    op.drop_table("self_efficacy")
    op.drop_table("message_read")
    with op.batch_alter_table("match_session", schema=None) as batch_op:
        batch_op.drop_index("ix_match_session_application_held")

    op.drop_table("match_session")
    with op.batch_alter_table("match_milestone", schema=None) as batch_op:
        batch_op.drop_index("ix_match_milestone_application_position")

    op.drop_table("match_milestone")
    with op.batch_alter_table("match_message", schema=None) as batch_op:
        batch_op.drop_index("ix_match_message_application_id")

    op.drop_table("match_message")
    op.drop_table("match_feedback")
