"""A believable demo hospital, so every journey can be tried on a fresh machine.

Deterministic (a fixed random seed), so screenshots and docs stay stable.
Slots are created for the next 14 calendar days that have clinics; each day's
slots are released at 08:00 fourteen days ahead, as the hospital does.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import ROOT
from models import (
    AccountPatient,
    Department,
    Doctor,
    LabReport,
    Patient,
    Prescription,
    ReportItem,
    Schedule,
    Slot,
)
from services.booking.calendar import SHANGHAI, clinic_days, local_datetime, local_today
from services.clinical.sealed import DIAGNOSIS_CONTEXT, TITLE_CONTEXT
from services.context import ServiceContext
from services.patients.identity import id_check_char
from services.patients.registry import (
    BIRTH_DATE_CONTEXT,
    ID_CONTEXT,
    NAME_CONTEXT,
    PHONE_CONTEXT,
    find_or_create_account,
    phone_hash,
)
from services.staff.demo import seed_demo_staff

CATALOGUE = ROOT / "data" / "departments.yml"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "建国志强秀英桂兰海燕文华明辉晓红丽娟国平玉梅俊杰雪梅春生德明淑芬宏伟立新永刚慧敏红霞"
TITLES = (("主任医师", 5000, 2), ("副主任医师", 3000, 3), ("主治医师", 1500, 4))


def _half_hours(start_minute: int, count: int) -> list[time]:
    return [time((start_minute + 30 * i) // 60, (start_minute + 30 * i) % 60) for i in range(count)]


MORNING = _half_hours(8 * 60, 7)  # 08:00 … 11:00
AFTERNOON = _half_hours(13 * 60 + 30, 7)  # 13:30 … 16:30
RELEASE_DAYS_AHEAD = 14
RELEASE_TIME = time(8, 0)


@dataclass(frozen=True)
class DemoPatient:
    name: str
    id17: str
    phone: str

    @property
    def id_number(self) -> str:
        return self.id17 + id_check_char(self.id17)


DEMO_PATIENTS = (
    DemoPatient("张建国", "11010519580312201", "13800138001"),  # 68, hypertension
    DemoPatient("李秀英", "31010419620708302", "13800138002"),  # 64, type 2 diabetes
    DemoPatient("王小明", "44030520180915101", "13800138001"),  # child of 张建国's family
)
DEMO_WEB_SENDER = "demo"


def load_catalogue(path: Path = CATALOGUE) -> list[dict[str, object]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["departments"])


def seed_demo_hospital(ctx: ServiceContext, only_if_empty: bool = False, days: int = 14) -> str:
    with ctx.db.transaction() as session:
        if only_if_empty and session.scalar(select(func.count(Department.id))):
            return "database already has a hospital; nothing seeded"
        rng = random.Random(20261126)
        departments = _departments(session)
        doctors = _doctors(session, rng, departments)
        slot_count = _schedules(session, rng, doctors, local_today(), days)
        patients = _patients(ctx, session)
        _clinical_records(ctx, session, patients, departments, doctors)
    # Console accounts for each role (docs/console.md lists them); never in production.
    staff = [] if ctx.settings.is_production else seed_demo_staff(ctx)
    return (
        f"seeded {len(departments)} departments, {len(doctors)} doctors, {slot_count} slots, {len(patients)} patients"
        + (f", demo staff: {', '.join(staff)}" if staff else "")
    )


def _departments(session: Session) -> dict[str, Department]:
    result = {}
    for entry in load_catalogue():
        department = Department(
            code=str(entry["code"]), name=str(entry["name"]), location=str(entry.get("location", ""))
        )
        session.add(department)
        result[department.code] = department
    session.flush()
    return result


def _doctor_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + rng.choice([GIVEN[i : i + 2] for i in range(0, len(GIVEN), 2)])
        if name not in used:
            used.add(name)
            return name


def _doctors(session: Session, rng: random.Random, departments: dict[str, Department]) -> list[Doctor]:
    doctors: list[Doctor] = []
    used: set[str] = set()
    for department in departments.values():
        for title, fee, _capacity in TITLES:
            # The emergency department is not booked online; general practice offers a free consultation.
            if department.code == "emergency":
                continue
            doctor = Doctor(
                department=department,
                name=_doctor_name(rng, used),
                title=title,
                fee_fen=0 if (department.code == "general_internal" and title == "主治医师") else fee,
                specialty=f"{department.name}常见病、多发病",
            )
            session.add(doctor)
            doctors.append(doctor)
    session.flush()
    return doctors


def _schedules(session: Session, rng: random.Random, doctors: list[Doctor], start: date, days: int) -> int:
    capacity_by_title = {title: capacity for title, _fee, capacity in TITLES}
    count = 0
    for day in clinic_days(start, days):
        released_at = local_datetime(day - timedelta(days=RELEASE_DAYS_AHEAD), RELEASE_TIME)
        for doctor in doctors:
            for period, times in (("am", MORNING), ("pm", AFTERNOON)):
                if rng.random() < 0.45:
                    continue
                schedule = Schedule(doctor_id=doctor.id, clinic_date=day, period=period)
                session.add(schedule)
                session.flush()
                for begins in times:
                    start_at = local_datetime(day, begins)
                    session.add(
                        Slot(
                            schedule_id=schedule.id,
                            doctor_id=doctor.id,
                            department_id=doctor.department_id,
                            clinic_date=day,
                            start_at=start_at,
                            end_at=start_at + timedelta(minutes=30),
                            capacity=capacity_by_title[doctor.title],
                            remaining=capacity_by_title[doctor.title],
                            fee_fen=doctor.fee_fen,
                            released_at=released_at,
                        )
                    )
                    count += 1
    return count


def _patients(ctx: ServiceContext, session: Session) -> list[Patient]:
    from services.patients.identity import parse_id_number

    account = find_or_create_account(session, ctx.cipher, "web", DEMO_WEB_SENDER)
    patients = []
    for index, demo in enumerate(DEMO_PATIENTS):
        facts = parse_id_number(demo.id_number)
        patient = Patient(
            name_enc=ctx.cipher.encrypt(demo.name, NAME_CONTEXT),
            id_number_enc=ctx.cipher.encrypt(facts.number, ID_CONTEXT),
            id_number_hash=ctx.cipher.blind_index(facts.number, ID_CONTEXT),
            phone_enc=ctx.cipher.encrypt(demo.phone, PHONE_CONTEXT),
            phone_hash=phone_hash(ctx.cipher, demo.phone),
            birth_date_enc=ctx.cipher.encrypt(facts.birth_date.isoformat(), BIRTH_DATE_CONTEXT),
            sex=facts.sex,
        )
        session.add(patient)
        session.flush()
        if index != 1:  # 李秀英 has her own account, on WeChat
            session.add(
                AccountPatient(
                    account_id=account.id, patient_id=patient.id, relation="self" if index == 0 else "family"
                )
            )
        patients.append(patient)
    other = find_or_create_account(session, ctx.cipher, "wechat", "demo-openid-lixiuying")
    session.add(AccountPatient(account_id=other.id, patient_id=patients[1].id, relation="self"))
    return patients


def _days_ago(days: int, hour: int = 9) -> datetime:
    return datetime.combine(local_today() - timedelta(days=days), time(hour), tzinfo=SHANGHAI)


BLOOD_ROUTINE = (
    ("WBC", "白细胞计数", "11.8", "10^9/L", 3.5, 9.5),
    ("NEUT%", "中性粒细胞百分比", "78.2", "%", 40.0, 75.0),
    ("RBC", "红细胞计数", "4.52", "10^12/L", 4.3, 5.8),
    ("HGB", "血红蛋白", "138", "g/L", 130.0, 175.0),
    ("PLT", "血小板计数", "215", "10^9/L", 125.0, 350.0),
)
GLUCOSE = (
    ("GLU", "空腹血糖", "8.6", "mmol/L", 3.9, 6.1),
    ("HbA1c", "糖化血红蛋白", "7.4", "%", 4.0, 6.0),
)
LIPIDS = (
    ("TC", "总胆固醇", "5.1", "mmol/L", None, 5.2),
    ("TG", "甘油三酯", "1.4", "mmol/L", None, 1.7),
    ("LDL-C", "低密度脂蛋白胆固醇", "3.1", "mmol/L", None, 3.4),
)


def _report(
    ctx: ServiceContext, session: Session, patient: Patient, title: str, items: tuple, days: int, department: Department
) -> None:
    report = LabReport(
        patient_id=patient.id,
        kind="lab",
        title_enc=ctx.cipher.encrypt(title, TITLE_CONTEXT),
        department_id=department.id,
        sampled_at=_days_ago(days, 8),
        reported_at=_days_ago(days, 15),
        status="final",
    )
    session.add(report)
    session.flush()
    for position, (code, name, value, unit, low, high) in enumerate(items):
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


def _clinical_records(
    ctx: ServiceContext,
    session: Session,
    patients: list[Patient],
    departments: dict[str, Department],
    doctors: list[Doctor],
) -> None:
    zhang, li, child = patients
    by_department = {d.department_id: d for d in doctors if d.title == "主任医师"}
    cardiology, endocrinology = departments["cardiology"], departments["endocrinology"]
    _report(ctx, session, zhang, "血常规", BLOOD_ROUTINE, 3, departments["general_internal"])
    _report(ctx, session, zhang, "血脂四项", LIPIDS, 30, cardiology)
    _report(ctx, session, li, "血糖及糖化血红蛋白", GLUCOSE, 5, endocrinology)
    exam = LabReport(
        patient_id=zhang.id,
        kind="exam",
        title_enc=ctx.cipher.encrypt("胸部CT平扫", TITLE_CONTEXT),
        department_id=departments["respiratory"].id,
        sampled_at=_days_ago(10, 10),
        reported_at=_days_ago(9, 16),
        status="final",
        findings_enc=ctx.cipher.encrypt(
            "双肺纹理清晰，未见明显实质性病变。印象：胸部CT平扫未见明显异常。", "lab_reports.findings"
        ),
    )
    session.add(exam)
    session.add(
        LabReport(
            patient_id=child.id,
            kind="lab",
            title_enc=ctx.cipher.encrypt("血常规", TITLE_CONTEXT),
            department_id=departments["pediatrics"].id,
            sampled_at=_days_ago(0, 9),
            status="pending",
        )
    )
    for patient, department, diagnosis, items, days in (
        (
            zhang,
            cardiology,
            "高血压",
            [{"drug": "苯磺酸氨氯地平片", "spec": "5mg×28片", "dose": "每日1次，每次1片", "quantity": 2}],
            40,
        ),
        (
            li,
            endocrinology,
            "2型糖尿病",
            [{"drug": "盐酸二甲双胍片", "spec": "0.5g×60片", "dose": "每日2次，每次1片", "quantity": 2}],
            55,
        ),
    ):
        session.add(
            Prescription(
                patient_id=patient.id,
                doctor_id=by_department[department.id].id,
                department_id=department.id,
                diagnosis_enc=ctx.cipher.encrypt(diagnosis, DIAGNOSIS_CONTEXT),
                is_chronic=True,
                issued_on=local_today() - timedelta(days=days),
                origin="offline",
                items_enc=ctx.cipher.encrypt(json.dumps(items, ensure_ascii=False), "prescriptions.items"),
            )
        )
    session.add(
        Prescription(
            patient_id=child.id,
            doctor_id=by_department[departments["pediatrics"].id].id,
            department_id=departments["pediatrics"].id,
            diagnosis_enc=ctx.cipher.encrypt("急性上呼吸道感染", DIAGNOSIS_CONTEXT),
            is_chronic=False,
            issued_on=local_today() - timedelta(days=20),
            origin="offline",
            items_enc=ctx.cipher.encrypt("[]", "prescriptions.items"),
        )
    )
