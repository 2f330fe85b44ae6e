"""Application index by project and status that also carries the decision timestamps.

Replaces ix_application_project_status (project_id, status), which it extends: the program
dashboard reads every cohort application's status and timestamps from the index alone instead
of reading the application table row by row (at the `large` profile, 600,000 rows).

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

COLUMNS = ["project_id", "status", "accepted_at", "approved_at", "created_at", "updated_at"]


def upgrade() -> None:
    op.create_index("ix_application_project_timeline", "application", COLUMNS, unique=False)
    op.drop_index("ix_application_project_status", table_name="application")


def downgrade() -> None:
    op.create_index(
        "ix_application_project_status", "application", ["project_id", "status"], unique=False
    )
    op.drop_index("ix_application_project_timeline", table_name="application")
