"""The flash crowd's data: thousands of real-name patients, a released day of slots.

Patients are built exactly as `services.patients.register_patient` builds them
(validated ID numbers, AES-GCM ciphertext, keyed blind indexes, an audit entry
each) but committed in batches: one transaction per patient would make the
setup, not the benchmark, the slow part. Most patients come from the apps, as at a
real hospital: `app_share` of them have an account with a WeChat or Alipay identity
(sealed as `services.patients.identities` seals it), and every tenth such account also
manages the next patient as family, so the booking's reads of accounts and channels
(the account cap, a free place's app channel) meet the rows they meet in production.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy.orm import Session

from models import Account, AccountPatient, Department, Doctor, Patient, Schedule, Slot, utcnow
from services import audit
from services.booking.calendar import local_datetime
from services.context import ServiceContext
from services.patients.identities import new_identity
from services.patients.identity import id_check_char, normalize_phone, parse_id_number
from services.patients.registry import BIRTH_DATE_CONTEXT, ID_CONTEXT, NAME_CONTEXT, PHONE_CONTEXT, phone_hash

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
BATCH = 500
APP_SHARE = 0.7  # patients with a WeChat or Alipay account


def _id_number(serial: int) -> str:
    """A valid 18-digit ID number, unique per serial (999 sequence numbers per birth date)."""
    birth = date(1950, 1, 1) + timedelta(days=serial // 999)
    first17 = f"110105{birth:%Y%m%d}{serial % 999 + 1:03d}"
    return first17 + id_check_char(first17)


def create_patients(ctx: ServiceContext, count: int, seed: int = 7, app_share: float = APP_SHARE) -> list[str]:
    rng = random.Random(seed)
    accounts = random.Random(seed + 1)  # its own stream: the patients' names do not move with the share
    cipher = ctx.cipher
    ids: list[str] = []
    for start in range(0, count, BATCH):
        with ctx.db.transaction() as session:
            batch = []
            for serial in range(start, min(count, start + BATCH)):
                facts = parse_id_number(_id_number(serial))
                phone = normalize_phone(f"139{serial:08d}")
                patient = Patient(
                    name_enc=cipher.encrypt(
                        rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))), NAME_CONTEXT
                    ),
                    id_number_enc=cipher.encrypt(facts.number, ID_CONTEXT),
                    id_number_hash=cipher.blind_index(facts.number, ID_CONTEXT),
                    phone_enc=cipher.encrypt(phone, PHONE_CONTEXT),
                    phone_hash=phone_hash(cipher, phone),
                    birth_date_enc=cipher.encrypt(facts.birth_date.isoformat(), BIRTH_DATE_CONTEXT),
                    sex=facts.sex,
                )
                batch.append(patient)
            session.add_all(batch)
            session.flush()
            for patient in batch:
                audit.append(session, actor="bench", action="patient.register", patient_id=patient.id)
            _link_accounts(ctx, session, batch, accounts, app_share)
            ids += [p.id for p in batch]
    return ids


def _link_accounts(
    ctx: ServiceContext, session: Session, batch: list[Patient], rng: random.Random, share: float
) -> None:
    """`share` of the patients get an account with a WeChat (two in three) or Alipay identity;
    every tenth account also manages the next patient of the batch as family."""
    for n, patient in enumerate(batch):
        if rng.random() >= share:
            continue
        account = Account()
        channel = "wechat" if rng.random() < 2 / 3 else "alipay"
        session.add(new_identity(ctx.cipher, account, channel, f"{channel}-{patient.id}"))
        session.add(AccountPatient(account=account, patient=patient, relation="self"))
        if n % 10 == 0 and n + 1 < len(batch):
            session.add(AccountPatient(account=account, patient=batch[n + 1], relation="family"))
    session.flush()


def create_doctors(ctx: ServiceContext, departments: int, doctors_each: int) -> list[str]:
    """Doctors over several departments; every other one sees patients free of charge.

    Free slots confirm at once and queue an SMS; paid ones hold and open a
    payment order, so both booking paths are in the mix.
    """
    ids: list[str] = []
    with ctx.db.transaction() as session:
        for d in range(departments):
            department = Department(code=f"bench{d}", name=f"压测科室{d}", location=f"门诊楼{d + 1}层")
            session.add(department)
            session.flush()
            for n in range(doctors_each):
                doctor = Doctor(
                    department_id=department.id, name=f"医生{d}-{n}", title="主治医师", fee_fen=(n % 2) * 1500
                )
                session.add(doctor)
                session.flush()
                ids.append(doctor.id)
    return ids


def release_day(
    ctx: ServiceContext, doctors: list[str], day: date, slots_each: int, capacity: tuple[int, int], seed: int
) -> dict[str, int]:
    """Open a day of half-hour slots for every doctor, released now. Returns slot id -> capacity."""
    rng = random.Random(seed)
    released = utcnow()
    slots: dict[str, int] = {}
    with ctx.db.transaction() as session:
        for doctor_id in doctors:
            doctor = session.get(Doctor, doctor_id)
            assert doctor is not None
            sessions = {}
            for period in ("am", "pm"):
                sessions[period] = Schedule(doctor_id=doctor_id, clinic_date=day, period=period)
                session.add(sessions[period])
            session.flush()
            for n in range(slots_each):
                morning = n < slots_each / 2
                minutes = (8 * 60 if morning else 14 * 60) + 30 * (n if morning else n - (slots_each + 1) // 2)
                start = local_datetime(day, time(minutes // 60, minutes % 60))
                places = rng.randint(*capacity)
                slot = Slot(
                    schedule_id=sessions["am" if morning else "pm"].id,
                    doctor_id=doctor_id,
                    department_id=doctor.department_id,
                    clinic_date=day,
                    start_at=start,
                    end_at=start + timedelta(minutes=30),
                    capacity=places,
                    remaining=places,
                    fee_fen=doctor.fee_fen,
                    released_at=released,
                )
                session.add(slot)
                session.flush()
                slots[slot.id] = places
    return slots
