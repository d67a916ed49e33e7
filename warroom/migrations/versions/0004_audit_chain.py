"""the database chain across incidents, its signed head and checkpoints

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 12:00:00

Every timeline entry gets a place in one chain over the whole database (``gseq``, the
entry before it, the link hashes) and what it changed in its incident (``state``).
Existing entries are linked in order of ``recorded_at`` and ``id``; each incident's last
entry carries its row's state as it is now. The head of the chain is signed with the
audit key of whoever migrates, when it can be had (``warroom.audit``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import warroom.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _entry_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("gseq", sa.Integer(), nullable=True),
        sa.Column("prior_incident_id", sa.Integer(), nullable=True),
        sa.Column("prior_seq", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(), nullable=True),
        sa.Column("gprev_hash", sa.String(length=64), nullable=True),
        sa.Column("ghash", sa.String(length=64), nullable=True),
    ]


def _signed_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("database_id", sa.String(length=32), nullable=False),
        sa.Column("gseq", sa.Integer(), nullable=False),
        sa.Column("ghash", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("at", warroom.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=True),
        sa.Column("signature", sa.String(length=128), nullable=True),
    ]


def upgrade() -> None:
    for column in _entry_columns():
        op.add_column("timeline_entry", column)
    op.create_index("ix_timeline_gseq", "timeline_entry", ["gseq"], unique=True)
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        *_signed_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        *_signed_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_checkpoint_gseq"), "audit_checkpoint", ["gseq"], unique=False)
    from warroom.audit.backfill import link_unchained

    link_unchained(op.get_bind(), reason="migration")


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_checkpoint_gseq"), table_name="audit_checkpoint")
    op.drop_table("audit_checkpoint")
    op.drop_table("chain_head")
    op.drop_index("ix_timeline_gseq", table_name="timeline_entry")
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        for column in reversed(_entry_columns()):
            batch_op.drop_column(column.name)
