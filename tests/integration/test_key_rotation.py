"""`flask rotate-keys`: every encrypted column moves to the current key in audited
batches, a stopped run resumes, a second run changes nothing, and after it the
old key can go, on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from flask import Flask
from sqlalchemy import func, select, update

import models
from app import create_app
from models import AuditEntry, ChannelIdentity, Patient
from services import key_rotation
from services.context import ServiceContext
from services.conversation.placeholders import PLACEHOLDER_IN_TEXT, protect, resolve
from services.crypto import FieldCipher, key_version
from services.notifications.outbox import enqueue
from services.patients.identities import is_identity, opened
from services.patients.registry import NAME_CONTEXT, find_or_create_account, get_patient, register_patient
from tests.clinical_factories import make_prescription, make_report
from tests.conftest import settings_for
from tests.console_helpers import make_staff
from tests.factories import valid_id_number

OLD, NEW = os.urandom(32), os.urandom(32)
CHAT = "web:rotation-test"
SMS_SENDER = "+8613912340000"  # an SMS patient's chat identity: the phone, sealed


def _b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


@dataclass
class Hospital:
    url: str
    patient_id: str
    id_number: str
    placeholder: str  # what Rasa saw instead of the ID number

    def app(self, **keys: str) -> Flask:
        return create_app(settings_for(self.url, **keys))

    def rotated_app(self) -> Flask:
        """The new key seals, the old one still opens, the blind indexes keep their key."""
        return self.app(
            data_encryption_key=_b64(NEW), data_encryption_old_keys=_b64(OLD), data_blind_index_key=_b64(OLD)
        )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def hospital(request: pytest.FixtureRequest) -> Iterator[Hospital]:
    url = request.getfixturevalue("database_url" if request.param == "sqlite" else "postgres_url")
    app = create_app(settings_for(url, data_encryption_key=_b64(OLD)))
    ctx: ServiceContext = app.extensions["hospital"]
    id_number = valid_id_number("19560317")
    view, _ = register_patient(ctx, name="欧阳秀兰", id_number=id_number, phone="13912340000")
    for n in range(4):  # more rows than one batch
        register_patient(ctx, name=f"病人{n}", id_number=valid_id_number("19700101"), phone=f"1370000000{n}")
    make_report(ctx, view.id, title="乙肝两对半", findings="肝脏未见明显异常")
    make_prescription(ctx, view.id, diagnosis="2型糖尿病")
    make_staff(ctx, "pharmacist1", "pharmacist")
    with ctx.db.transaction() as session:
        enqueue(session, ctx.cipher, dedupe_key="k1", channel="sms", kind="t", recipient="13912340000", text="您好")
        find_or_create_account(session, ctx.cipher, "sms", SMS_SENDER)
    kept = protect(ctx, CHAT, f"我的身份证{id_number}，电话13912340000")
    app.extensions["hospital"].db.dispose()
    placeholder = PLACEHOLDER_IN_TEXT.search(kept)
    assert placeholder is not None and id_number not in kept
    yield Hospital(url, view.id, id_number, placeholder[0])


def _tokens(ctx: ServiceContext) -> dict[str, list[str]]:
    with ctx.db.reading() as session:
        return {
            sealed.name: [t for t in session.scalars(select(sealed.column)) if t is not None]
            for sealed in key_rotation.SEALED_COLUMNS
        }


def test_every_encrypted_column_of_the_models_is_rotated() -> None:
    listed = {sealed.name for sealed in key_rotation.SEALED_COLUMNS}
    in_models = {
        f"{table.name}.{column.name}"
        for table in models.Base.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_enc")
    }
    assert in_models == listed


def test_rotation_moves_every_row_to_the_new_key_in_resumable_idempotent_batches(hospital: Hospital) -> None:
    app = hospital.rotated_app()
    ctx: ServiceContext = app.extensions["hospital"].acting_as("cli:rotate-keys")
    before = _tokens(ctx)
    assert sum(len(t) for t in before.values()) >= 20
    assert all(t.startswith(key_version(OLD) + ":") for tokens in before.values() for t in tokens)

    stopped = key_rotation.rotate(ctx, batch_size=2, max_batches=2)  # as if killed after two batches
    assert sum(c.rewritten for c in stopped.columns) == 4 and not stopped.complete
    left = key_rotation.pending(ctx)
    assert sum(left.values()) == sum(len(t) for t in before.values()) - 4

    resumed = key_rotation.rotate(ctx, batch_size=2)
    assert resumed.complete and sum(c.rewritten for c in resumed.columns) == sum(left.values())
    again = key_rotation.rotate(ctx, batch_size=2)
    assert again.complete and sum(c.rewritten for c in again.columns) == 0

    after = _tokens(ctx)
    assert all(t.startswith(key_version(NEW) + ":") for tokens in after.values() for t in tokens)
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    with ctx.db.reading() as session:
        batches = session.scalar(select(func.count()).where(AuditEntry.action == "crypto.rotate"))
        actors = set(session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "crypto.rotate")))
    assert batches is not None and batches >= sum(len(t) for t in before.values()) // 2
    assert actors == {"cli:rotate-keys"}
    app.extensions["hospital"].db.dispose()

    # The old key is retired: everything still opens, and the ID-number lookup still finds the patient.
    retired = hospital.app(data_encryption_key=_b64(NEW), data_blind_index_key=_b64(OLD))
    ctx = retired.extensions["hospital"]
    view = get_patient(ctx, hospital.patient_id)
    assert (view.name, view.birth_date.isoformat()) == ("欧阳秀兰", "1956-03-17")
    again_view, created = register_patient(ctx, name="欧阳秀兰", id_number=hospital.id_number, phone="13912340000")
    assert again_view.id == hospital.patient_id and not created
    assert resolve(ctx, CHAT, hospital.placeholder) == hospital.id_number
    with ctx.db.reading() as session:
        identity = session.scalar(select(ChannelIdentity).where(is_identity(ctx.cipher, "sms", SMS_SENDER)))
        assert identity is not None and opened(ctx.cipher, identity.external_enc) == SMS_SENDER
        for sealed in key_rotation.SEALED_COLUMNS:
            key = sealed.column.class_.__mapper__.primary_key[0]
            for row in session.execute(select(key, sealed.column, *sealed.extra).where(sealed.column.is_not(None))):
                ctx.cipher.decrypt(row[1], sealed.context_of(row))
    retired.extensions["hospital"].db.dispose()


def test_a_row_no_configured_key_opens_is_named_and_keeps_the_run_incomplete(hospital: Hospital) -> None:
    stranger = hospital.app(data_encryption_key=_b64(os.urandom(32)))
    ctx: ServiceContext = stranger.extensions["hospital"]
    make_prescription(ctx, hospital.patient_id, diagnosis="高血压")  # sealed under a key nobody keeps
    stranger.extensions["hospital"].db.dispose()

    app = hospital.rotated_app()
    ctx = app.extensions["hospital"]
    report = key_rotation.rotate(ctx)
    diagnosis = next(c for c in report.columns if c.column == "prescriptions.diagnosis_enc")
    assert len(diagnosis.failed) == 1 and diagnosis.failed[0].startswith("rx")
    assert not report.complete and diagnosis.remaining == 1
    assert get_patient(ctx, hospital.patient_id).name == "欧阳秀兰"  # everything else moved
    app.extensions["hospital"].db.dispose()


def test_the_command_checks_rotates_and_says_when_old_keys_may_go(hospital: Hospital) -> None:
    app = hospital.rotated_app()
    runner = app.test_cli_runner()
    check = runner.invoke(args=["rotate-keys", "--check"])
    assert check.exit_code == 1 and "patients.name_enc: 5 under an old key" in check.output
    partial = runner.invoke(args=["rotate-keys", "--batch-size", "3", "--max-batches", "1"])
    assert partial.exit_code == 1 and "not done" in partial.output
    done = runner.invoke(args=["rotate-keys", "--batch-size", "3"])
    assert done.exit_code == 0 and "old keys may be retired" in done.output
    assert "欧阳" not in done.output and "13912340000" not in done.output
    assert runner.invoke(args=["rotate-keys", "--check"]).exit_code == 0
    app.extensions["hospital"].db.dispose()


@pytest.mark.postgres
def test_a_row_the_app_rewrites_during_the_batch_is_not_undone(postgres_url: str) -> None:
    """READ COMMITTED: the batch read the old token, the app wrote a new value meanwhile;
    the conditional UPDATE (id and the token read) leaves the app's value alone."""
    hospital = Hospital(postgres_url, "", "", "")
    before: ServiceContext = hospital.app(data_encryption_key=_b64(OLD)).extensions["hospital"]
    view, _ = register_patient(before, name="张建国", id_number=valid_id_number(), phone="13900000001")
    before.db.dispose()
    rotated = hospital.rotated_app()
    ctx: ServiceContext = rotated.extensions["hospital"]

    class AppWritesMeanwhile(FieldCipher):
        def reencrypt(self, token: str, context: str) -> str:
            if context == NAME_CONTEXT:  # another process renames the patient, and commits
                renamed = self.encrypt("张建华", context)
                with ctx.db.engine.begin() as conn:
                    conn.execute(update(Patient).where(Patient.id == view.id).values(name_enc=renamed))
            return super().reencrypt(token, context)

    report = key_rotation.rotate(replace(ctx, cipher=AppWritesMeanwhile(NEW, [OLD], OLD)), batch_size=10)
    names = next(c for c in report.columns if c.column == "patients.name_enc")
    assert names.rewritten == 0 and report.complete
    assert get_patient(ctx, view.id).name == "张建华"
    ctx.db.dispose()
