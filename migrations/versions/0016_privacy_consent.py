"""privacy consent per account, the privacy journeys' pending codes, window binding codes

Revision ID: 0016_privacy_consent
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0016_privacy_consent"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=24), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_privacy_consents_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_consents")),
    )
    op.create_index(op.f("ix_privacy_consents_account_id"), "privacy_consents", ["account_id"], unique=False)
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("patient_id", sa.String(length=24), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_privacy_requests_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    op.create_index(
        op.f("ix_privacy_requests_conversation_hash"), "privacy_requests", ["conversation_hash"], unique=False
    )
    op.create_table(
        "window_bind_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=24), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_window_bind_codes_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_window_bind_codes")),
    )
    op.create_index(op.f("ix_window_bind_codes_account_id"), "window_bind_codes", ["account_id"], unique=False)
    op.create_index(op.f("ix_window_bind_codes_code_hash"), "window_bind_codes", ["code_hash"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_window_bind_codes_code_hash"), table_name="window_bind_codes")
    op.drop_index(op.f("ix_window_bind_codes_account_id"), table_name="window_bind_codes")
    op.drop_table("window_bind_codes")
    op.drop_index(op.f("ix_privacy_requests_conversation_hash"), table_name="privacy_requests")
    op.drop_table("privacy_requests")
    op.drop_index(op.f("ix_privacy_consents_account_id"), table_name="privacy_consents")
    op.drop_table("privacy_consents")
