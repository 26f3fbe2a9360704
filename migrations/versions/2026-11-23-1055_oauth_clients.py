"""OAuth clients: the embedded issuer's registered clients, with argon2id secret hashes.

Revision ID: ef58a3a2b178
Revises: 1306e414f023
Create Date: 2026-11-23 10:55:57.562331
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "ef58a3a2b178"
down_revision: str | None = "1306e414f023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "oauth_client",
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("agency", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("supervisor", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role != 'agency' OR agency IS NOT NULL",
            name=op.f("ck_oauth_client_agency_has_agency"),
        ),
        sa.CheckConstraint(
            "role IN ('agency', 'recorder', 'objection_officer', 'repair_officer', "
            "'auditor', 'admin')",
            name=op.f("ck_oauth_client_role"),
        ),
        sa.CheckConstraint(
            "role NOT IN ('recorder', 'objection_officer', 'repair_officer') "
            "OR department IS NOT NULL",
            name=op.f("ck_oauth_client_department_role_has_department"),
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_oauth_client")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("oauth_client")
