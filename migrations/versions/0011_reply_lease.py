"""kept channel replies: the lease of the worker sending one, so beat can re-send stuck ones

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channel_pending_replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_pending_replies", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
