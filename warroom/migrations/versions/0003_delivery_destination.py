"""status deliveries name their destination instead of holding its URL

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 10:00:00

A status update's delivery row used to copy the destination's apprise URL, tokens and
passwords included, into ``delivery.url``. New rows store only which destination it is
(``destination``: ``AUDIENCE#N``, the N-th URL configured for the audience) and a label
without secrets (``destination_label``: scheme and host); the sender resolves the URL from
the configuration when it sends. Old rows keep their URL and still send.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("destination", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("destination_label", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("destination_label")
        batch_op.drop_column("destination")
