"""Single sign-on: links between accounts and OpenID Connect subjects (issuer + subject).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sso_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("linked_at", core.types.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject", name="uq_sso_identity_subject"),
    )
    with op.batch_alter_table("sso_identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sso_identity_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sso_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_identity_user_id"))
    op.drop_table("sso_identity")
