"""Chat accounts' platform ids are a blind index and a sealed copy, never plaintext
(issue 11): an SMS patient who answers the consent question leaves no phone in
`channel_identities`, the account is still found by it, "删除我的数据" takes the
identity away, and migration 0021 seals the rows stored before it."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from app import create_app
from config import ROOT
from models import ChannelIdentity
from services.context import ServiceContext
from services.conversation import consent
from services.crypto import FieldCipher
from services.patients.identities import CONTEXT, is_identity, opened
from tests.conftest import settings_for
from tests.databases import fresh_postgres_database
from tests.integration.test_channel_sms import AUTH_TOKEN, PATIENT, PUBLIC, form, messages, post
from web.cli import alembic_config

DIGITS = PATIENT.removeprefix("+86")  # 13512345678


def _pii_scan() -> ModuleType:
    """scripts/pii_scan.py, as `make pii-scan` and tests/e2e/pii_check.py load it."""
    if "pii_scan" not in sys.modules:
        spec = importlib.util.spec_from_file_location("pii_scan", ROOT / "scripts" / "pii_scan.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["pii_scan"] = module
        spec.loader.exec_module(module)
    return sys.modules["pii_scan"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("database_url" if request.param == "sqlite" else "postgres_url"))


@pytest.fixture
def sms_app(url: str) -> Iterator[Flask]:
    settings = settings_for(url, twilio_auth_token=AUTH_TOKEN, public_base_url=PUBLIC, privacy_consent_required=True)
    app = create_app(settings)
    yield app
    app.extensions["hospital"].db.dispose()


def _raw_identities(ctx: ServiceContext) -> str:
    with ctx.db.reading() as session:
        return str([tuple(row) for row in session.execute(text("SELECT * FROM channel_identities"))])


def test_an_sms_patients_consent_leaves_no_plaintext_phone_and_deletion_removes_the_identity(
    sms_app: Flask, url: str
) -> None:
    ctx: ServiceContext = sms_app.extensions["hospital"]
    client: FlaskClient = sms_app.test_client()
    post(client, form("同意"))  # no Rasa needed: the edge records the answer
    assert consent.decision(ctx, "sms", PATIENT) == consent.GRANTED  # found again by the blind index
    stored = _raw_identities(ctx)
    assert stored != "[]" and DIGITS not in stored
    assert [f.where for f in _pii_scan().scan_database(url, "database")] == []
    with ctx.db.reading() as session:
        identity = session.scalar(select(ChannelIdentity).where(is_identity(ctx.cipher, "sms", PATIENT)))
        assert identity is not None and opened(ctx.cipher, identity.external_enc) == PATIENT
        assert identity.external_hash == ctx.cipher.blind_index(PATIENT, CONTEXT)

    [done] = messages(post(client, form("删除我的数据")))
    assert "已删除" in done
    assert _raw_identities(ctx) == "[]"  # the phone no longer leads to an account here
    assert consent.decision(ctx, "sms", PATIENT) is None


def test_the_scan_finds_a_plaintext_phone_planted_in_channel_identities(sms_app: Flask, url: str) -> None:
    """The check above can fail: the identity written as plaintext, as before 0021, is found."""
    ctx: ServiceContext = sms_app.extensions["hospital"]
    post(sms_app.test_client(), form("同意"))
    with ctx.db.transaction() as session:
        planted = session.execute(text("UPDATE channel_identities SET external_enc = :phone"), {"phone": PATIENT})
        assert planted.rowcount == 1  # type: ignore[attr-defined]
    found = _pii_scan().scan_database(url, "database")
    assert [(f.where, f.kind, f.count) for f in found] == [("database channel_identities.external_enc", "phone", 1)]
    assert DIGITS not in repr(found)


# --- migration 0021 ----------------------------------------------------------------------------


def _previous_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revision = script.get_revision("0021_sealed_channel_identities")
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


BEFORE = (  # channel, external_id as stored before 0021
    ("sms", PATIENT),
    ("wechat", "oWX-openid-0001"),
    ("phone", "9f86d081" * 8 + ":acc1"),
)


def _check_migration(url: str) -> None:
    cipher = FieldCipher(os.urandom(32))
    config = alembic_config(url)
    config.attributes["cipher"] = cipher
    command.upgrade(config, _previous_revision())
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO accounts (id, created_at) VALUES ('acc1', '2026-01-01 00:00:00+00')"))
        for n, (channel, external_id) in enumerate(BEFORE, start=1):
            conn.execute(
                text(
                    "INSERT INTO channel_identities (id, account_id, channel, external_id, created_at)"
                    " VALUES (:n, 'acc1', :channel, :external_id, '2026-01-01 00:00:00+00')"
                ),
                {"n": n, "channel": channel, "external_id": external_id},
            )
    command.upgrade(config, "head")

    columns = {c["name"] for c in inspect(engine).get_columns("channel_identities")}
    assert "external_id" not in columns and {"external_hash", "external_enc"} <= columns
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT channel, external_hash, external_enc FROM channel_identities ORDER BY id"))
        migrated = [tuple(row) for row in rows]
    assert DIGITS not in str(migrated) and "oWX-openid-0001" not in str(migrated)
    # what the app looks up and opens: the same hash, the same context
    assert [(c, h == cipher.blind_index(v, CONTEXT), opened(cipher, e)) for (c, h, e), (_, v) in zip(
        migrated, BEFORE, strict=True
    )] == [(c, True, v) for c, v in BEFORE]  # fmt: skip
    with engine.begin() as conn, pytest.raises(IntegrityError):  # the unique key moved with the column
        conn.execute(
            text(
                "INSERT INTO channel_identities (account_id, channel, external_hash, external_enc, created_at)"
                " VALUES ('acc1', 'sms', :h, 'x', '2026-01-01 00:00:00+00')"
            ),
            {"h": cipher.blind_index(PATIENT, CONTEXT)},
        )

    command.downgrade(config, _previous_revision())
    with engine.connect() as conn:
        back = [tuple(r) for r in conn.execute(text("SELECT channel, external_id FROM channel_identities ORDER BY id"))]
    assert back == list(BEFORE)
    engine.dispose()


def test_the_migration_seals_identities_stored_before_it_on_sqlite(tmp_path: Path) -> None:
    _check_migration(f"sqlite:///{tmp_path / 'before.sqlite3'}")


@pytest.mark.postgres
def test_the_migration_seals_identities_stored_before_it_on_postgresql(postgres_available: None) -> None:
    with fresh_postgres_database() as url:  # migrated to head: start again from before 0021
        config = alembic_config(url)
        config.attributes["cipher"] = FieldCipher(os.urandom(32))
        command.downgrade(config, _previous_revision())
        _check_migration(url)
