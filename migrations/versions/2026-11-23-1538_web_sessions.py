"""Browser sessions and pending OIDC sign-ins in the database, shared by every worker: keyed
by a SHA-256 of the random id, the access token and sign-in secrets sealed per row.

Revision ID: 3f00b1051ecd
Revises: 019184ebff73
Create Date: 2026-11-23 15:38:11.826879
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "3f00b1051ecd"
down_revision: str | None = "019184ebff73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.LargeBinary(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind != 'session' OR role IS NOT NULL", name=op.f("ck_web_session_session_has_role")
        ),
        sa.CheckConstraint("kind IN ('session', 'login')", name=op.f("ck_web_session_kind")),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_session")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_expires_at"))

    op.drop_table("web_session")
