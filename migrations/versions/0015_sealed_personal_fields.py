"""patients' names and birth dates, diagnoses and report titles are sealed like the other personal fields

Each plaintext column becomes a FieldCipher token column (`*_enc`), and the rows
already there are sealed on the way, in batches, under the current
DATA_ENCRYPTION_KEY (so run it with the application's settings). The columns
are added and dropped in place (ALTER TABLE), never by copying a table: on
SQLite a copy of `patients` would trip the foreign keys of everything that
points at it. SQLite keeps an empty server default on the new columns (it
cannot drop one in place); the models never rely on it.

Revision ID: 0015
Revises: 0014_chat_secrets
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from config import load_settings
from services.crypto import FieldCipher

revision: str = "0015"
down_revision: str | None = "0014_chat_secrets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
# table, plaintext column and its type, sealed column and its length, encryption context (as in services/)
FIELDS: tuple[tuple[str, str, Any, str, int, str], ...] = (
    ("patients", "name", sa.String(40), "name_enc", 300, "patients.name"),
    ("patients", "birth_date", sa.Date(), "birth_date_enc", 100, "patients.birth_date"),
    ("prescriptions", "diagnosis", sa.String(80), "diagnosis_enc", 400, "prescriptions.diagnosis"),
    ("lab_reports", "title", sa.String(80), "title_enc", 400, "lab_reports.title"),
)
# What a downgraded row holds until the loop below fills it (SQLite needs a default for NOT NULL).
PLACEHOLDERS: dict[str, str] = {"name": "", "birth_date": "1900-01-01", "diagnosis": "", "title": ""}


def _cipher() -> FieldCipher:
    """The application's cipher: a test hands one in, `flask db-upgrade` its settings."""
    given = context.config.attributes.get("cipher")
    if isinstance(given, FieldCipher):
        return given
    settings = context.config.attributes.get("settings") or load_settings()
    return FieldCipher(settings.data_key_bytes, settings.data_old_key_bytes, settings.blind_index_key_bytes)


def _convert(table: str, source: str, target: str, change: Any, plain_type: Any, sealing: bool) -> None:
    """Rewrite `target` from `source` for every row, by primary key in batches (keyset pages)."""
    bind = op.get_bind()
    source_type, target_type = (plain_type, sa.String()) if sealing else (sa.String(), plain_type)
    rows = sa.table(table, sa.column("id", sa.String), sa.column(source, source_type), sa.column(target, target_type))
    last = ""
    while True:
        page = bind.execute(
            sa.select(rows.c.id, rows.c[source]).where(rows.c.id > last).order_by(rows.c.id).limit(BATCH)
        ).all()
        for row_id, value in page:
            bind.execute(rows.update().where(rows.c.id == row_id).values({target: change(value)}))
        if len(page) < BATCH:
            return
        last = page[-1][0]


def _as_text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def upgrade() -> None:
    if context.is_offline_mode():
        raise RuntimeError("0015 seals the rows already stored: run it online (flask db-upgrade)")
    cipher = _cipher()
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, plain, plain_type, sealed, length, purpose in FIELDS:
        op.add_column(table, sa.Column(sealed, sa.String(length), nullable=False, server_default=""))
        _convert(table, plain, sealed, lambda v, p=purpose: cipher.encrypt(_as_text(v), p), plain_type, sealing=True)
        op.drop_column(table, plain)
        if not sqlite:
            op.alter_column(table, sealed, server_default=None)


def downgrade() -> None:
    if context.is_offline_mode():
        raise RuntimeError("0015 opens the rows already stored: run it online")
    cipher = _cipher()
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, plain, plain_type, sealed, _length, purpose in FIELDS:
        op.add_column(table, sa.Column(plain, plain_type, nullable=False, server_default=PLACEHOLDERS[plain]))

        def opened(token: str, p: str = purpose, kind: Any = plain_type) -> object:
            text = cipher.decrypt(token, p)
            return date.fromisoformat(text) if isinstance(kind, sa.Date) else text

        _convert(table, sealed, plain, opened, plain_type, sealing=False)
        op.drop_column(table, sealed)
        if not sqlite:
            op.alter_column(table, plain, server_default=None)
