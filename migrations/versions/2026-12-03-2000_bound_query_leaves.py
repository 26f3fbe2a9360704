"""Query leaves bound to what the citizen is shown: each notice keeps the leaf's sealed
secret and private fields, and the chain value the subject's next leaf points back to.

Revision ID: 5b7d0c3e9a21
Revises: 9e2f4a7b1c08
Create Date: 2026-12-03 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b7d0c3e9a21"
down_revision: str | None = "9e2f4a7b1c08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("query_notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("chain_tag", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("in_chain", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
    if op.get_bind().dialect.name == "postgresql":
        # Ciphertexts and chain values never feed the planner statistics (pg_stats is readable).
        for column in ("private_ct", "chain_tag"):
            op.execute(f"ALTER TABLE query_notice ALTER COLUMN {column} SET STATISTICS 0")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("query_notice", schema=None) as batch_op:
        batch_op.drop_column("in_chain")
        batch_op.drop_column("chain_tag")
        batch_op.drop_column("private_ct")
