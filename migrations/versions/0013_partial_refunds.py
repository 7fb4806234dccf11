"""an order may be refunded in parts (rescheduling a paid visit to a cheaper one)

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cause", sa.String(length=60), server_default="full", nullable=False))
        batch_op.drop_constraint("uq_refunds_payment_order_id", type_="unique")
        batch_op.create_unique_constraint("uq_refunds_order_cause", ["payment_order_id", "cause"])
        batch_op.create_index("ix_refunds_payment_order_id", ["payment_order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_refunds_payment_order_id")
        batch_op.drop_constraint("uq_refunds_order_cause", type_="unique")
        batch_op.create_unique_constraint("uq_refunds_payment_order_id", ["payment_order_id"])
        batch_op.drop_column("cause")
