"""Master versions live in the database (the fleet follows rotation), the blind-index key
is a stored random secret, and data keys remember every version they were wrapped under
so their erasure completes only once all of those versions are destroyed. A subject
whose last entry and case are gone loses its code ciphertext and blind index (erased_at),
and so does the objector index of an erased case.

Revision ID: 7c1d5e2a9f40
Revises: 2b8e003a0eca
Create Date: 2026-12-02 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1d5e2a9f40"
down_revision: str | None = "2b8e003a0eca"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "master_key",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("demoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('current', 'active', 'destroyed')", name="master_key_state"),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "stored_secret",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("master_version", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index(
        "ix_stored_secret_master_version", "stored_secret", ["master_version"], unique=False
    )
    with op.batch_alter_table("data_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wrapped_versions", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    pending = sa.text("wrapped IS NULL AND erased_at IS NULL")
    op.create_index(
        "ix_data_key_pending_erasure",
        "data_key",
        ["shredded_at"],
        sqlite_where=pending,
        postgresql_where=pending,
    )
    with op.batch_alter_table("subject", schema=None) as batch_op:
        batch_op.alter_column("code_index", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column("code_ct", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.alter_column("objector_index", existing_type=sa.LargeBinary(), nullable=True)
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erasure_log_index", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # Secrets and ciphertexts never feed the planner statistics (pg_stats is readable
        # by anyone with SELECT on the table); changing the type to itself drops old ones.
        for table, column in (
            ("data_key", "wrapped"),
            ("key_check", "wrapped"),
            ("stored_secret", "wrapped"),
            ("subject", "code_index"),
            ("subject", "code_ct"),
            ("objection", "objector_index"),
            ("objection", "reasons_ct"),
            ("objection", "decision_reasons_ct"),
            ("repair_application", "evidence_ct"),
            ("repair_application", "commitment_ct"),
            ("repair_application", "decision_reasons_ct"),
            ("case_event", "note_ct"),
            ("evidence_file", "name_ct"),
            ("evidence_file", "content_ct"),
            ("entry", "subject_name_ct"),
            ("entry", "facts_ct"),
            ("entry", "public_summary_ct"),
            ("entry", "statement_ct"),
            ("entry_event", "reason_ct"),
            ("web_session", "wrapped_key"),
            ("web_session", "sealed"),
        ):
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 0")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE bytea")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.drop_column("erasure_log_index")
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.alter_column("objector_index", existing_type=sa.LargeBinary(), nullable=False)
    with op.batch_alter_table("subject", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.alter_column("code_ct", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("code_index", existing_type=sa.LargeBinary(), nullable=False)
    op.drop_index("ix_data_key_pending_erasure", table_name="data_key")
    with op.batch_alter_table("data_key", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("wrapped_versions")
    op.drop_index("ix_stored_secret_master_version", table_name="stored_secret")
    op.drop_table("stored_secret")
    op.drop_table("master_key")
