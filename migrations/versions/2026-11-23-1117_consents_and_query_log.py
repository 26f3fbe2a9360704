"""Citizen authorizations, record freezes, and the query log (leaves, nodes, state, checkpoints).

Revision ID: df1124a53569
Revises: ef58a3a2b178
Create Date: 2026-11-23 11:17:21.913085
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "df1124a53569"
down_revision: str | None = "ef58a3a2b178"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "query_log_checkpoint",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_query_log_checkpoint_size_non_negative")),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_query_log_checkpoint")),
    )
    op.create_table(
        "query_log_leaf",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("idx >= 0", name=op.f("ck_query_log_leaf_idx_non_negative")),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_query_log_leaf")),
    )
    op.create_table(
        "query_log_node",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.CheckConstraint('level >= 1 AND "index" >= 0', name=op.f("ck_query_log_node_position")),
        sa.PrimaryKeyConstraint("level", "index", name=op.f("pk_query_log_node")),
    )
    op.create_table(
        "query_log_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_query_log_state_single_row")),
        sa.CheckConstraint("size >= 0", name=op.f("ck_query_log_state_size_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_log_state")),
    )
    op.create_table(
        "authorization_grant",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("agency", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("list_kinds", sa.JSON(), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "expires_at > starts_at", name=op.f("ck_authorization_grant_expires_after_start")
        ),
        sa.CheckConstraint("max_uses >= 1", name=op.f("ck_authorization_grant_max_uses_positive")),
        sa.CheckConstraint(
            "policy_version >= 1", name=op.f("ck_authorization_grant_policy_version_positive")
        ),
        sa.CheckConstraint(
            "uses >= 0 AND uses <= max_uses", name=op.f("ck_authorization_grant_uses_in_bounds")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_authorization_grant_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorization_grant")),
    )
    with op.batch_alter_table("authorization_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_authorization_grant_agency"), ["agency"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_authorization_grant_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "subject_freeze",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "lifted_at IS NULL OR lifted_at >= frozen_at",
            name=op.f("ck_subject_freeze_lifted_after_frozen"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_subject_freeze_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_freeze")),
    )
    with op.batch_alter_table("subject_freeze", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_freeze_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(
            "uq_subject_freeze_open",
            ["subject_id"],
            unique=True,
            sqlite_where=sa.text("lifted_at IS NULL"),
            postgresql_where=sa.text("lifted_at IS NULL"),
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("subject_freeze", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_subject_freeze_open",
            sqlite_where=sa.text("lifted_at IS NULL"),
            postgresql_where=sa.text("lifted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_subject_freeze_subject_id"))

    op.drop_table("subject_freeze")
    with op.batch_alter_table("authorization_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorization_grant_subject_id"))
        batch_op.drop_index(batch_op.f("ix_authorization_grant_agency"))

    op.drop_table("authorization_grant")
    op.drop_table("query_log_state")
    op.drop_table("query_log_node")
    op.drop_table("query_log_leaf")
    op.drop_table("query_log_checkpoint")
