"""Alumni verification: self-registered alumni wait for the program to vouch for them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Accounts that exist today were accepted under the old rules: they start verified.
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.add_column(
            sa.Column(
                "verification",
                sa.Enum(
                    "verified",
                    "pending",
                    "refused",
                    name="verification",
                    native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="verified",
            )
        )
        batch_op.add_column(
            sa.Column(
                "verification_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
            )
        )
        batch_op.create_index("ix_app_user_verification", ["verification"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.drop_index("ix_app_user_verification")
        batch_op.drop_column("verification_note")
        batch_op.drop_column("verification")
