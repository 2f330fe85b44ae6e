"""Projects, tags, milestone blueprints and applications.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )

    op.create_table(
        "user_interest",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["tag.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("user_id", "tag_id"),
    )
    with op.batch_alter_table("user_interest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_interest_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=280), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "remote", "hybrid", "in_person", name="projectmode", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("student_hours", sa.Float(), nullable=False),
        sa.Column("mentor_hours", sa.Float(), nullable=False),
        sa.Column("duration_weeks", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column(
            "screening_question", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "open",
                "closed",
                "in_progress",
                "completed",
                "cancelled",
                name="projectstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("filled", sa.Integer(), nullable=False),
        sa.Column("created_at", core.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(), nullable=False),
        sa.Column("published_at", core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_department"), ["department"], unique=False)
        batch_op.create_index("ix_project_owner_status", ["owner_id", "status"], unique=False)
        batch_op.create_index("ix_project_status_deadline", ["status", "deadline"], unique=False)
        batch_op.create_index("ix_project_status_start", ["status", "start_date"], unique=False)

    op.create_table(
        "project_tag",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["tag.id"],
        ),
        sa.PrimaryKeyConstraint("project_id", "tag_id"),
    )
    with op.batch_alter_table("project_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_tag_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "milestone_blueprint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("due_week", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("milestone_blueprint", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_milestone_blueprint_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "accepted",
                "waitlisted",
                "declined",
                "approved",
                "rejected",
                "withdrawn",
                "expired",
                "completed",
                "ended_early",
                name="applicationstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("statement", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("screening_answer", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("mentor_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(), nullable=False),
        sa.Column("accepted_at", core.types.UTCDateTime(), nullable=True),
        sa.Column("approved_at", core.types.UTCDateTime(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index(
            "ix_application_project_status", ["project_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_application_status_updated", ["status", "updated_at"], unique=False
        )
        batch_op.create_index(
            "ix_application_student_status", ["student_id", "status"], unique=False
        )
        batch_op.create_index(
            "uq_application_live",
            ["student_id", "project_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('submitted','waitlisted','accepted','approved')"),
            postgresql_where=sa.text("status IN ('submitted','waitlisted','accepted','approved')"),
        )


def downgrade() -> None:
    op.drop_table("application")
    op.drop_table("milestone_blueprint")
    op.drop_table("project_tag")
    op.drop_table("project")
    op.drop_table("user_interest")
    op.drop_table("tag")
