"""access tokens for the web console

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import warroom.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=80), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", warroom.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("last_used_at", warroom.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", warroom.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_access_token_digest"), "access_token", ["digest"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_access_token_digest"), table_name="access_token")
    op.drop_table("access_token")
