"""Names, birth dates, diagnoses and report titles are ciphertext in the database,
and migration 0015 seals the rows stored before it (and opens them on the way down)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from services.context import ServiceContext
from services.crypto import FieldCipher
from services.patients.registry import get_patient, register_patient
from tests.clinical_factories import make_prescription, make_report
from tests.databases import fresh_postgres_database
from tests.factories import valid_id_number
from web.cli import alembic_config

PLAINTEXT = ("欧阳秀兰", "1956-03-17", "19560317", "2型糖尿病", "乙肝两对半")


def _raw(ctx: ServiceContext, table: str) -> str:
    with ctx.db.reading() as session:
        return str([dict(row) for row in session.execute(text(f"SELECT * FROM {table}")).mappings()])


def test_the_raw_columns_hold_no_name_birth_date_diagnosis_or_title(ctx: ServiceContext) -> None:
    patient = register_patient(ctx, name="欧阳秀兰", id_number=valid_id_number("19560317"), phone="13912340000")[0].id
    make_prescription(ctx, patient, diagnosis="2型糖尿病")
    make_report(ctx, patient, title="乙肝两对半")
    stored = _raw(ctx, "patients") + _raw(ctx, "prescriptions") + _raw(ctx, "lab_reports")
    assert [word for word in PLAINTEXT if word in stored] == []
    view = get_patient(ctx, patient)  # opened in the service layer
    assert (view.name, view.birth_date) == ("欧阳秀兰", date(1956, 3, 17))


def _previous_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revision = script.get_revision("0015")
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


def _plaintext_rows(url: str) -> None:
    """What a database written before 0015 holds: plaintext names, dates, diagnoses, titles."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    statements = [
        "INSERT INTO departments (id, code, name, location, description) VALUES (1, 'endo', '内分泌科', '', '')",
        "INSERT INTO doctors (id, department_id, name, title, specialty, fee_fen) VALUES ('doc1', 1, '王', '', '', 0)",
        "INSERT INTO accounts (id, created_at) VALUES ('acc1', '2026-01-01 00:00:00+00')",
        *(
            "INSERT INTO patients (id, name, id_number_enc, id_number_hash, phone_enc, phone_hash, birth_date, sex,"
            f" booking_seq, created_at) VALUES ('pat{n}', '{name}', 'v1:x', 'h{n}', 'v1:y', 'p', '{born}', 'female',"
            " 0, '2026-01-01 00:00:00+00')"
            for n, name, born in ((1, "欧阳秀兰", "1956-03-17"), (2, "李梅", "1990-12-01"))
        ),
        "INSERT INTO account_patients (account_id, patient_id, relation) VALUES ('acc1', 'pat1', 'self')",
        "INSERT INTO prescriptions (id, patient_id, doctor_id, department_id, diagnosis, is_chronic, issued_on,"
        " origin, items_enc, created_at) VALUES ('rx1', 'pat1', 'doc1', 1, '2型糖尿病', true, '2026-10-01',"
        " 'offline', 'v1:z', '2026-01-01 00:00:00+00')",
        "INSERT INTO lab_reports (id, patient_id, kind, title, sampled_at, status) VALUES ('rpt1', 'pat1', 'lab',"
        " '乙肝两对半', '2026-01-01 00:00:00+00', 'final')",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def _check_migration(url: str) -> None:
    cipher = FieldCipher(os.urandom(32))
    config = alembic_config(url)
    config.attributes["cipher"] = cipher
    command.upgrade(config, _previous_revision())
    _plaintext_rows(url)
    command.upgrade(config, "head")

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    columns = {c["name"] for c in inspect(engine).get_columns("patients")}
    assert {"name", "birth_date"}.isdisjoint(columns) and {"name_enc", "birth_date_enc"} <= columns
    with engine.connect() as conn:
        patients = conn.execute(text("SELECT id, name_enc, birth_date_enc FROM patients ORDER BY id")).all()
        diagnosis = conn.execute(text("SELECT diagnosis_enc FROM prescriptions")).scalar_one()
        title = conn.execute(text("SELECT title_enc FROM lab_reports")).scalar_one()
        stored = str([tuple(r) for r in conn.execute(text("SELECT * FROM patients"))]) + diagnosis + title
        linked = conn.execute(text("SELECT patient_id FROM account_patients")).scalar_one()
    assert [word for word in PLAINTEXT if word in stored] == []
    assert [
        (i, cipher.decrypt(n, "patients.name"), cipher.decrypt(b, "patients.birth_date")) for i, n, b in patients
    ] == [
        ("pat1", "欧阳秀兰", "1956-03-17"),
        ("pat2", "李梅", "1990-12-01"),
    ]
    assert cipher.decrypt(diagnosis, "prescriptions.diagnosis") == "2型糖尿病"
    assert cipher.decrypt(title, "lab_reports.title") == "乙肝两对半"
    assert linked == "pat1"  # the tables pointing at patients are untouched

    command.downgrade(config, _previous_revision())
    with engine.connect() as conn:
        back = conn.execute(text("SELECT name, birth_date FROM patients ORDER BY id")).all()
        again = conn.execute(text("SELECT diagnosis FROM prescriptions")).scalar_one()
    assert [(n, str(b)) for n, b in back] == [("欧阳秀兰", "1956-03-17"), ("李梅", "1990-12-01")]
    assert again == "2型糖尿病"
    engine.dispose()


def test_the_migration_seals_rows_stored_before_it_on_sqlite(tmp_path: Path) -> None:
    _check_migration(f"sqlite:///{tmp_path / 'before.sqlite3'}")


@pytest.mark.postgres
def test_the_migration_seals_rows_stored_before_it_on_postgresql(postgres_available: None) -> None:
    with fresh_postgres_database() as url:  # migrated to head: start again from before 0015
        config = alembic_config(url)
        config.attributes["cipher"] = FieldCipher(os.urandom(32))
        command.downgrade(config, _previous_revision())
        _check_migration(url)
