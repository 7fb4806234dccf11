"""the placeholder vault: ID numbers, phones and codes kept back from Rasa

Revision ID: 0014_chat_secrets
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0014_chat_secrets"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_secrets",
        sa.Column("token", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.Column("value_enc", sa.String(length=400), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_chat_secrets")),
    )
    op.create_index(op.f("ix_chat_secrets_conversation_hash"), "chat_secrets", ["conversation_hash"], unique=False)
    op.create_index(op.f("ix_chat_secrets_expires_at"), "chat_secrets", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_secrets_expires_at"), table_name="chat_secrets")
    op.drop_index(op.f("ix_chat_secrets_conversation_hash"), table_name="chat_secrets")
    op.drop_table("chat_secrets")
