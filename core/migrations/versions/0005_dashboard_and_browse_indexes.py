"""Covering indexes for the program dashboard and for browse / recommendations.

- ix_application_project_timeline replaces ix_application_project_status (project_id, status),
  which it extends with the decision timestamps: the program dashboard reads every cohort
  application's status and timestamps from the index alone instead of reading the application
  table row by row (at the `large` profile, 600,000 rows).
- ix_project_open_fit replaces ix_project_status_deadline (status, deadline), which it extends
  with the columns browse and recommendations filter and sort open projects on, so ranking the
  open projects does not read project rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMELINE = ["project_id", "status", "accepted_at", "approved_at", "created_at", "updated_at"]
OPEN_FIT = ["status", "deadline", "student_hours", "filled", "seats", "owner_id", "start_date"]


def upgrade() -> None:
    op.create_index("ix_application_project_timeline", "application", TIMELINE, unique=False)
    op.drop_index("ix_application_project_status", table_name="application")
    op.create_index("ix_project_open_fit", "project", OPEN_FIT, unique=False)
    op.drop_index("ix_project_status_deadline", table_name="project")


def downgrade() -> None:
    op.create_index("ix_project_status_deadline", "project", ["status", "deadline"], unique=False)
    op.drop_index("ix_project_open_fit", table_name="project")
    op.create_index(
        "ix_application_project_status", "application", ["project_id", "status"], unique=False
    )
    op.drop_index("ix_application_project_timeline", table_name="application")
