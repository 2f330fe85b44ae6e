"""Browse's facet columns in the two indexes open projects are found through.

- ix_project_open_fit (status, deadline, student_hours, filled, seats, owner_id, start_date)
  gains mode, duration_weeks and published_at.
- ix_project_status_start (status, start_date) gains deadline and the same facet columns. With
  program terms, browse keeps the chosen term's start dates by default, and SQLite then finds
  open projects through this index (a range on both ends is the narrower one) and read each
  project's row to test its deadline.

Browse narrowed by mode, duration or hours, with or without a term, and its newest-first order
then count and rank open projects from an index alone: otherwise every open project's row is
read to test one column (at the `large` profile 17,600 rows, about 25 ms for each count and
again for each ranking).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_FIT = ["status", "deadline", "student_hours", "filled", "seats", "owner_id", "start_date"]
FACETS = ["mode", "duration_weeks", "published_at"]
STATUS_START = ["status", "start_date"]
TERM_FACETS = ["deadline", "mode", "duration_weeks", "student_hours", "published_at"]


def upgrade() -> None:
    op.drop_index("ix_project_open_fit", table_name="project")
    op.create_index("ix_project_open_fit", "project", OPEN_FIT + FACETS, unique=False)
    op.drop_index("ix_project_status_start", table_name="project")
    op.create_index("ix_project_status_start", "project", STATUS_START + TERM_FACETS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_project_status_start", table_name="project")
    op.create_index("ix_project_status_start", "project", STATUS_START, unique=False)
    op.drop_index("ix_project_open_fit", table_name="project")
    op.create_index("ix_project_open_fit", "project", OPEN_FIT, unique=False)
