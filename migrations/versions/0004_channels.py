"""channels: SMS opt-outs, answers waiting to be pushed, shared platform tokens

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_opt_outs",
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("opted_out_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone_hash", name=op.f("pk_sms_opt_outs")),
    )
    op.create_table(
        "channel_pending_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("recipient_enc", sa.String(length=400), nullable=False),
        sa.Column("body_enc", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_pending_replies")),
    )
    with op.batch_alter_table("channel_pending_replies", schema=None) as batch_op:
        batch_op.create_index("ix_channel_pending_replies_status", ["status", "created_at"], unique=False)
    op.create_table(
        "channel_tokens",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value_enc", sa.String(length=1200), nullable=True),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lock_owner", sa.String(length=64), nullable=True),
        sa.Column("lock_until", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_channel_tokens")),
    )


def downgrade() -> None:
    op.drop_table("channel_tokens")
    with op.batch_alter_table("channel_pending_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_pending_replies_status")
    op.drop_table("channel_pending_replies")
    op.drop_table("sms_opt_outs")
