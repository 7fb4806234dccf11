"""staff console: staff accounts, sessions, login throttles, hand-off tickets, staff replies, fallback streaks, refill reviews

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("totp_secret_enc", sa.String(length=200), nullable=False),
        sa.Column("totp_last_step", sa.Integer(), nullable=False),
        sa.Column("roles", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_login_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_accounts_username")),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=24), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_accounts.id"], name=op.f("fk_staff_sessions_staff_id_staff_accounts")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_staff_sessions")),
    )
    op.create_index(op.f("ix_staff_sessions_staff_id"), "staff_sessions", ["staff_id"], unique=False)
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UTC, nullable=False),
        sa.Column("locked_until", UTC, nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_table(
        "handoff_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.Column("conversation_enc", sa.String(length=400), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("assignee_id", sa.String(length=24), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("claimed_at", UTC, nullable=True),
        sa.Column("closed_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff_accounts.id"], name=op.f("fk_handoff_tickets_assignee_id_staff_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_tickets")),
    )
    op.create_index("ix_handoff_tickets_conversation", "handoff_tickets", ["conversation_hash", "status"], unique=False)
    op.create_index(op.f("ix_handoff_tickets_status"), "handoff_tickets", ["status"], unique=False)
    op.create_table(
        "staff_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=24), nullable=False),
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("delivered_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_accounts.id"], name=op.f("fk_staff_replies_staff_id_staff_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["handoff_tickets.id"], name=op.f("fk_staff_replies_ticket_id_handoff_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_replies")),
    )
    op.create_index("ix_staff_replies_pending", "staff_replies", ["conversation_hash", "delivered_at"], unique=False)
    op.create_index(op.f("ix_staff_replies_ticket_id"), "staff_replies", ["ticket_id"], unique=False)
    op.create_table(
        "fallback_streaks",
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("conversation_hash", name=op.f("pk_fallback_streaks")),
    )
    op.create_table(
        "refill_reviews",
        sa.Column("refill_id", sa.String(length=24), nullable=False),
        sa.Column("clinician_id", sa.String(length=24), nullable=False),
        sa.Column("clinician_decision", sa.String(length=10), nullable=False),
        sa.Column("decided_at", UTC, nullable=False),
        sa.Column("prescription_id", sa.String(length=24), nullable=True),
        sa.Column("pharmacist_id", sa.String(length=24), nullable=True),
        sa.Column("pharmacist_decision", sa.String(length=10), nullable=True),
        sa.Column("pharmacist_note", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["staff_accounts.id"], name=op.f("fk_refill_reviews_clinician_id_staff_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["pharmacist_id"], ["staff_accounts.id"], name=op.f("fk_refill_reviews_pharmacist_id_staff_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["prescription_id"], ["prescriptions.id"], name=op.f("fk_refill_reviews_prescription_id_prescriptions")
        ),
        sa.ForeignKeyConstraint(
            ["refill_id"], ["refill_requests.id"], name=op.f("fk_refill_reviews_refill_id_refill_requests")
        ),
        sa.PrimaryKeyConstraint("refill_id", name=op.f("pk_refill_reviews")),
        sa.UniqueConstraint("prescription_id", name=op.f("uq_refill_reviews_prescription_id")),
    )


def downgrade() -> None:
    op.drop_table("refill_reviews")
    op.drop_table("fallback_streaks")
    op.drop_index(op.f("ix_staff_replies_ticket_id"), table_name="staff_replies")
    op.drop_index("ix_staff_replies_pending", table_name="staff_replies")
    op.drop_table("staff_replies")
    op.drop_index(op.f("ix_handoff_tickets_status"), table_name="handoff_tickets")
    op.drop_index("ix_handoff_tickets_conversation", table_name="handoff_tickets")
    op.drop_table("handoff_tickets")
    op.drop_table("login_throttles")
    op.drop_index(op.f("ix_staff_sessions_staff_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_table("staff_accounts")
