"""Rasa replicas and the staggered model rollout: one replica loads a new model at a time

Revision ID: 0020_model_rollout
Revises: 0019_refill_fee
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0020_model_rollout"
down_revision: str | None = "0019_refill_fee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rasa_replicas",
        sa.Column("replica", sa.String(length=120), nullable=False),
        sa.Column("running_etag", sa.String(length=120), nullable=True),
        sa.Column("last_seen_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handed_etag", sa.String(length=120), nullable=True),
        sa.Column("handed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("replica", name=op.f("pk_rasa_replicas")),
    )
    rollout = op.create_table(
        "model_rollout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("moving_replica", sa.String(length=120), nullable=True),
        sa.Column("moving_etag", sa.String(length=120), nullable=True),
        sa.Column("moving_since", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_rollout")),
    )
    op.bulk_insert(rollout, [{"id": 1}])


def downgrade() -> None:
    op.drop_table("model_rollout")
    op.drop_table("rasa_replicas")
