"""Rasa knows a conversation by a pseudonym; the app maps it back

Revision ID: 0018_rasa_senders
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0018_rasa_senders"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rasa_senders",
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.Column("conversation_enc", sa.String(length=400), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", name=op.f("pk_rasa_senders")),
    )


def downgrade() -> None:
    op.drop_table("rasa_senders")
