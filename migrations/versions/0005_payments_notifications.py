"""payments and notifications: order reconciliation marks, waitlist, follow-up answers, nurse tasks

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_closed_at", models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("queried_at", models.base.UTCDateTime(timezone=True), nullable=True))

    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("patient_id", sa.String(length=24), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("clinic_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notified_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_waitlist_entries_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_waitlist_entries_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    with op.batch_alter_table("waitlist_entries", schema=None) as batch_op:
        batch_op.create_index("ix_waitlist_department_status", ["department_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_waitlist_entries_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            "uq_waitlist_open",
            ["patient_id", "department_id", "clinic_date"],
            unique=True,
            sqlite_where=sa.text("status = 'waiting'"),
            postgresql_where=sa.text("status = 'waiting'"),
        )

    op.create_table(
        "questionnaire_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.String(length=24), nullable=False),
        sa.Column("patient_id", sa.String(length=24), nullable=False),
        sa.Column("answers_enc", sa.Text(), nullable=False),
        sa.Column("worrying", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_questionnaire_responses_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_questionnaire_responses_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_responses")),
        sa.UniqueConstraint("appointment_id", name=op.f("uq_questionnaire_responses_appointment_id")),
    )
    with op.batch_alter_table("questionnaire_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questionnaire_responses_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "nurse_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("patient_id", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_nurse_tasks_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nurse_tasks")),
        sa.UniqueConstraint("source", name=op.f("uq_nurse_tasks_source")),
    )
    with op.batch_alter_table("nurse_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_nurse_tasks_status", ["status", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_nurse_tasks_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nurse_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nurse_tasks_patient_id"))
        batch_op.drop_index("ix_nurse_tasks_status")
    op.drop_table("nurse_tasks")
    with op.batch_alter_table("questionnaire_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_responses_patient_id"))
    op.drop_table("questionnaire_responses")
    with op.batch_alter_table("waitlist_entries", schema=None) as batch_op:
        batch_op.drop_index("uq_waitlist_open")
        batch_op.drop_index(batch_op.f("ix_waitlist_entries_patient_id"))
        batch_op.drop_index("ix_waitlist_department_status")
    op.drop_table("waitlist_entries")
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.drop_column("queried_at")
        batch_op.drop_column("provider_closed_at")
