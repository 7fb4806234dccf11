"""refill reviews keep the fee the doctor signed for

The refill's payment order is made only after the pharmacist approves (issue 12), so
the fee decided at signing (entered, or the drugs' prices) waits on the review row.

Revision ID: 0019_refill_fee
Revises: 0018_rasa_senders
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_refill_fee"
down_revision: str | None = "0018_rasa_senders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("refill_reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fee_fen", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("refill_reviews", schema=None) as batch_op:
        batch_op.drop_column("fee_fen")
