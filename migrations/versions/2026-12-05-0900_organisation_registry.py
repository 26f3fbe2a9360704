"""The organisation registry: departments and agencies by slug, with Chinese and English names.

Revision ID: d41f7a2c9e10
Revises: b3c8d1e6f2a9
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d41f7a2c9e10"
down_revision: str | None = "b3c8d1e6f2a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "organisation",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_zh", sa.String(length=128), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('department', 'agency')", name=op.f("ck_organisation_kind")),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_organisation")),
    )
    op.create_index(op.f("ix_organisation_kind"), "organisation", ["kind"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_organisation_kind"), table_name="organisation")
    op.drop_table("organisation")
