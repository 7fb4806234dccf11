"""one-time verification grants: the code row records when its grant was used

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("otp_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grant_spent_at", models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("otp_codes", schema=None) as batch_op:
        batch_op.drop_column("grant_spent_at")
