"""Authorization codes and the agency inbox: a keyed MAC of the short code a citizen hands
an agency, the instant a grant was sent to the agency's inbox, and the agency's listing index.

Revision ID: 6e2b9f4a7c13
Revises: 280f1ed72359
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6e2b9f4a7c13"
down_revision: str | None = "280f1ed72359"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("authorization_grant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_hash", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "uq_authorization_grant_code", ["code_hash", "agency", "subject_id"], unique=True
        )
        batch_op.create_index(
            "ix_authorization_grant_agency_created", ["agency", "created_at"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # Keyed MACs never feed the planner statistics (pg_stats is readable).
        op.execute("ALTER TABLE authorization_grant ALTER COLUMN code_hash SET STATISTICS 0")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("authorization_grant", schema=None) as batch_op:
        batch_op.drop_index("ix_authorization_grant_agency_created")
        batch_op.drop_index("uq_authorization_grant_code")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("code_hash")
