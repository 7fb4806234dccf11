"""an index on account_patients(patient_id): from a patient to the accounts managing it

The table's key is (account_id, patient_id), so "the accounts of this patient" (the
booking's account cap, a free place's app channel, a message's recipient) read every
link in the hospital, and the app-channel read started from every WeChat and Alipay
identity instead (issue 14). Only an index is added; no row changes.

Revision ID: 0022_account_patient_lookup
Revises: 0021_sealed_channel_identities
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022_account_patient_lookup"
down_revision: str | None = "0021_sealed_channel_identities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_account_patients_patient", "account_patients", ["patient_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_account_patients_patient", table_name="account_patients")
