"""chat accounts' platform ids (an SMS patient's phone, an openid) are a blind index and a sealed copy

`channel_identities.external_id` held the platform id in plaintext. It becomes
`external_hash` (HMAC under the blind-index key, for lookups and the unique key)
and `external_enc` (AES-GCM under the current DATA_ENCRYPTION_KEY, opened only to
send to the account), both computed from the rows already there, in batches; then
the plaintext column goes. So run it with the application's settings (`flask
db-upgrade`), like 0015. The contexts are those of services/patients/identities.py;
tests/integration/test_sealed_channel_identities.py checks that the app finds a
migrated row. The unique key moves with the column, so on SQLite the table is
copied (batch mode): nothing points at `channel_identities`, so no foreign key trips.

Revision ID: 0021_sealed_channel_identities
Revises: 0020_model_rollout
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

from config import load_settings
from services.crypto import FieldCipher

revision: str = "0021_sealed_channel_identities"
down_revision: str | None = "0020_model_rollout"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
CONTEXT = "channel_identities.external_id"  # as services/patients/identities.py
UNIQUE = "uq_channel_identities_channel"  # (channel, external_id), then (channel, external_hash)


def _cipher() -> FieldCipher:
    """The application's cipher: a test hands one in, `flask db-upgrade` its settings."""
    given = context.config.attributes.get("cipher")
    if isinstance(given, FieldCipher):
        return given
    settings = context.config.attributes.get("settings") or load_settings()
    return FieldCipher(settings.data_key_bytes, settings.data_old_key_bytes, settings.blind_index_key_bytes)


def _convert(source: str, change: Callable[[str], dict[str, str]], targets: Sequence[str]) -> None:
    """Write `targets` from `source` for every row, by primary key in batches (keyset pages)."""
    bind = op.get_bind()
    rows = sa.table(
        "channel_identities",
        sa.column("id", sa.Integer),
        *(sa.column(name, sa.String) for name in {source, *targets}),
    )
    last = 0
    while True:
        page = bind.execute(
            sa.select(rows.c.id, rows.c[source]).where(rows.c.id > last).order_by(rows.c.id).limit(BATCH)
        ).all()
        for row_id, value in page:
            bind.execute(rows.update().where(rows.c.id == row_id).values(change(value)))
        if len(page) < BATCH:
            return
        last = page[-1][0]


def upgrade() -> None:
    if context.is_offline_mode():
        raise RuntimeError("0021 seals the platform ids already stored: run it online (flask db-upgrade)")
    cipher = _cipher()
    with op.batch_alter_table("channel_identities") as batch:
        batch.add_column(sa.Column("external_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("external_enc", sa.String(600), nullable=False, server_default=""))
    _convert(
        "external_id",
        lambda value: {
            "external_hash": cipher.blind_index(value, CONTEXT),
            "external_enc": cipher.encrypt(value, CONTEXT),
        },
        ("external_hash", "external_enc"),
    )
    with op.batch_alter_table("channel_identities") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.drop_column("external_id")
        batch.alter_column("external_hash", server_default=None, existing_type=sa.String(64))
        batch.alter_column("external_enc", server_default=None, existing_type=sa.String(600))
        batch.create_unique_constraint(UNIQUE, ["channel", "external_hash"])


def downgrade() -> None:
    if context.is_offline_mode():
        raise RuntimeError("0021 opens the platform ids already stored: run it online")
    cipher = _cipher()
    with op.batch_alter_table("channel_identities") as batch:
        batch.add_column(sa.Column("external_id", sa.String(128), nullable=False, server_default=""))
    _convert("external_enc", lambda token: {"external_id": cipher.decrypt(token, CONTEXT)}, ("external_id",))
    with op.batch_alter_table("channel_identities") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.drop_column("external_hash")
        batch.drop_column("external_enc")
        batch.alter_column("external_id", server_default=None, existing_type=sa.String(128))
        batch.create_unique_constraint(UNIQUE, ["channel", "external_id"])
