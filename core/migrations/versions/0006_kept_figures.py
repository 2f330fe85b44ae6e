"""Program dashboard figures kept per part and filter, shared by every viewer.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kept_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("filter_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("computed_at", core.types.UTCDateTime(), nullable=False),
        sa.Column("figures", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("part", "filter_key"),
    )


def downgrade() -> None:
    op.drop_table("kept_figures")
