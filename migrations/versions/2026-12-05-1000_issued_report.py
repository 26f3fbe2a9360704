"""Issued reports: number, generation time, content digest and signature, for public verification.

Revision ID: 280f1ed72359
Revises: d41f7a2c9e10
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "280f1ed72359"
down_revision: str | None = "d41f7a2c9e10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "issued_report",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("length(code_hash) = 32", name=op.f("ck_issued_report_code_hash_size")),
        sa.CheckConstraint("length(digest) = 32", name=op.f("ck_issued_report_digest_size")),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_issued_report")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_issued_report_code_hash")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("issued_report")
