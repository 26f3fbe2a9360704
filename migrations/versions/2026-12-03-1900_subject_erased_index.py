"""Erased subjects indexed, for the tick that rotates the blind-index key after erasures.

Revision ID: 9e2f4a7b1c08
Revises: 4d9a6b1c3e57
Create Date: 2026-12-03 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e2f4a7b1c08"
down_revision: str | None = "4d9a6b1c3e57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ERASED = sa.text("erased_at IS NOT NULL")


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(
        "ix_subject_erased_at",
        "subject",
        ["erased_at"],
        unique=False,
        sqlite_where=_ERASED,
        postgresql_where=_ERASED,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_subject_erased_at", table_name="subject")
