"""The demo hospital lets every journey be tried at once on a fresh machine."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import Department, Doctor, LabReport, Prescription, Slot
from services.booking.calendar import SHANGHAI, is_clinic_day
from services.context import ServiceContext
from services.seed import seed_demo_hospital
from tests.conftest import AUTH

DESIGN = Path(__file__).resolve().parents[3] / "shared" / "DESIGN.md"
DESIGN_CODES = {
    "emergency",
    "general_internal",
    "fever_clinic",
    "cardiology",
    "respiratory",
    "gastroenterology",
    "neurology",
    "endocrinology",
    "nephrology",
    "hematology",
    "rheumatology",
    "infectious",
    "general_surgery",
    "orthopedics",
    "urology",
    "neurosurgery",
    "thoracic_surgery",
    "breast_surgery",
    "gynecology",
    "obstetrics",
    "pediatrics",
    "ophthalmology",
    "ent",
    "stomatology",
    "dermatology",
    "psychiatry",
    "oncology",
    "tcm",
    "rehabilitation",
}


def test_the_design_card_lists_the_codes_we_seed() -> None:
    if DESIGN.exists():  # the shared design card sits beside the checkout
        table = DESIGN.read_text(encoding="utf-8").split("## Department codes", 1)[1]
        assert set(re.findall(r"\| ([a-z_]+) \|", table)) - {"code"} == DESIGN_CODES


def test_seed_creates_a_whole_hospital_once(ctx: ServiceContext, client: FlaskClient) -> None:
    summary = seed_demo_hospital(ctx, only_if_empty=True)
    assert summary.startswith("seeded 29 departments")
    assert seed_demo_hospital(ctx, only_if_empty=True).startswith("database already has")
    with ctx.db.reading() as session:
        assert set(session.scalars(select(Department.code))) == DESIGN_CODES
        doctors_per_department = dict(
            session.execute(select(Doctor.department_id, func.count(Doctor.id)).group_by(Doctor.department_id)).all()
        )
        assert len(doctors_per_department) == 28 and min(doctors_per_department.values()) >= 3  # not emergency
        days = set(session.scalars(select(Slot.clinic_date).distinct()))
        assert days and all(is_clinic_day(day) for day in days)
        hours = {start.astimezone(SHANGHAI).hour for start in session.scalars(select(Slot.start_at))}
        assert min(hours) == 8 and max(hours) == 16  # morning and afternoon sessions
        assert session.scalar(select(func.count(LabReport.id))) >= 4
        assert session.scalar(select(func.count(Prescription.id)).where(Prescription.is_chronic)) == 2
    departments = client.get("/api/v1/departments", headers=AUTH).json
    assert {d["code"] for d in departments} == DESIGN_CODES
    demo = client.get("/api/v1/accounts/patients?channel=web&channel_user_id=demo", headers=AUTH).json
    assert [p["name"] for p in demo] == ["张建国", "王小明"]
    assert all("*" in p["id_number"] for p in demo)
