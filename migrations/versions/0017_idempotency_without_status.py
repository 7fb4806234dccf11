"""idempotency records keep the answer, not an HTTP status

The booking service chose the status once (always 201, a replay is of a created
booking); the web edge chooses it now, so the column is dropped (issue 16).

Revision ID: 0017
Revises: 0016_privacy_consent
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016_privacy_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_column("status_code")


def downgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_code", sa.Integer(), nullable=False, server_default="201"))
