"""Builders for reports, prescriptions and verified sessions, straight into the
database the way services/seed.py writes them (values encrypted)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from models import Department, Doctor, LabReport, Prescription, ReportItem, utcnow
from services.booking.calendar import local_today
from services.context import ServiceContext
from tests.conftest import AUTH

ItemRow = tuple[str, str, str, str, float | None, float | None]  # code, name, value, unit, low, high

BLOOD_ROUTINE: tuple[ItemRow, ...] = (
    ("WBC", "白细胞计数", "11.8", "10^9/L", 3.5, 9.5),
    ("NEUT%", "中性粒细胞百分比", "78.2", "%", 40.0, 75.0),
    ("HGB", "血红蛋白", "120", "g/L", 130.0, 175.0),
    ("PLT", "血小板计数", "215", "10^9/L", 125.0, 350.0),
)
AMLODIPINE = [{"drug": "苯磺酸氨氯地平片", "spec": "5mg×28片", "dose": "每日1次，每次1片", "quantity": 2}]
CODE_RE = re.compile(r"验证码是(\d{6})")


def department_id(ctx: ServiceContext, code: str = "cardiology", name: str = "心血管内科") -> int:
    with ctx.db.transaction() as session:
        found = session.scalar(select(Department.id).where(Department.code == code))
        if found is not None:
            return found
        department = Department(code=code, name=name, location="门诊楼3层")
        session.add(department)
        session.flush()
        return department.id


def doctor_id(ctx: ServiceContext, department: int) -> str:
    with ctx.db.transaction() as session:
        found = session.scalar(select(Doctor.id).where(Doctor.department_id == department))
        if found is not None:
            return found
        doctor = Doctor(department_id=department, name="周医生", title="主任医师", fee_fen=5000)
        session.add(doctor)
        session.flush()
        return doctor.id


def make_report(
    ctx: ServiceContext,
    patient_id: str,
    title: str = "血常规",
    items: tuple[ItemRow, ...] = BLOOD_ROUTINE,
    *,
    kind: str = "lab",
    status: str = "final",
    sampled_at: datetime | None = None,
    findings: str | None = None,
) -> str:
    sampled = sampled_at or utcnow() - timedelta(days=3)
    with ctx.db.transaction() as session:
        report = LabReport(
            patient_id=patient_id,
            kind=kind,
            title_enc=ctx.cipher.encrypt(title, "lab_reports.title"),
            department_id=None,
            sampled_at=sampled,
            reported_at=sampled + timedelta(hours=6) if status == "final" else None,
            status=status,
            findings_enc=ctx.cipher.encrypt(findings, "lab_reports.findings") if findings else None,
        )
        session.add(report)
        session.flush()
        for position, (code, name, value, unit, low, high) in enumerate(items if status == "final" else ()):
            session.add(
                ReportItem(
                    report_id=report.id,
                    position=position,
                    code=code,
                    name=name,
                    value_enc=ctx.cipher.encrypt(value, "report_items.value"),
                    unit=unit,
                    ref_low=low,
                    ref_high=high,
                )
            )
        return report.id


def make_prescription(
    ctx: ServiceContext,
    patient_id: str,
    *,
    diagnosis: str = "高血压",
    is_chronic: bool = True,
    origin: str = "offline",
    issued_days_ago: int = 40,
    drugs: list[dict[str, Any]] | None = None,
) -> str:
    department = department_id(ctx)
    doctor = doctor_id(ctx, department)
    with ctx.db.transaction() as session:
        prescription = Prescription(
            patient_id=patient_id,
            doctor_id=doctor,
            department_id=department,
            diagnosis_enc=ctx.cipher.encrypt(diagnosis, "prescriptions.diagnosis"),
            is_chronic=is_chronic,
            issued_on=local_today() - timedelta(days=issued_days_ago),
            origin=origin,
            items_enc=ctx.cipher.encrypt(
                json.dumps(AMLODIPINE if drugs is None else drugs, ensure_ascii=False), "prescriptions.items"
            ),
        )
        session.add(prescription)
        session.flush()
        return prescription.id


def send_otp(client: FlaskClient, phone: str, purpose: str = "results") -> Any:
    return client.post("/api/v1/otp", json={"phone": phone, "purpose": purpose}, headers=AUTH)


def verify_otp(client: FlaskClient, phone: str, code: str, purpose: str = "results") -> Any:
    return client.post("/api/v1/otp/verify", json={"phone": phone, "purpose": purpose, "code": code}, headers=AUTH)


def last_code(client: FlaskClient, phone: str) -> str:
    """The newest code "sent" to a phone, read from the development outbox."""
    sent = client.get(f"/api/v1/dev/outbox?to={phone}", headers=AUTH).json
    codes = [match.group(1) for message in sent if (match := CODE_RE.search(message["text"]))]
    assert codes, f"no code was sent to {phone}"
    return codes[0]


def verified_token(client: FlaskClient, phone: str, purpose: str = "results") -> str:
    assert send_otp(client, phone, purpose).status_code == 202
    answer = verify_otp(client, phone, last_code(client, phone), purpose)
    assert answer.status_code == 200, answer.json
    return str(answer.json["token"])
