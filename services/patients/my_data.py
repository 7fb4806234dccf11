"""What the hospital holds about a chat account's patients, shown or unbound on request
("查看我的数据" / "删除我的数据", PIPL arts. 44-47, issue 11).

Only for the verified patient: the request names the account's own patient ("self"
first), a code goes to that patient's phone on file (otp purpose `my_data`), and
only the code typed back in the same conversation opens the request
(`privacy_requests`, five minutes). What is shown is masked (name, ID number, phone)
and covers the account's bound patients; every view is audited per patient.

Deletion here is the patient side: the account loses its bindings (and the
per-phone count they took) and its chat identities. The medical record itself (the
patient, appointments, reports, prescriptions, refills) and payment records stay,
because the law makes the hospital keep them (data/consent.yml says which law and how
long); the conversation side (log, tracker, consent) is
services/conversation/privacy_journeys.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from models import (
    AccountPatient,
    Appointment,
    ChannelIdentity,
    Department,
    LabReport,
    Patient,
    PhoneBinding,
    RefillRequest,
    utcnow,
)
from models.privacy import PrivacyRequest
from services import audit
from services.clinical.sealed import title_of
from services.context import ServiceContext
from services.patients import otp
from services.patients import registry as patients
from services.patients.identities import is_identity, opened

PURPOSE = "my_data"
REQUEST_TTL = otp.CODE_TTL
REQUEST_CONTEXT = "privacy_requests.conversation"
APPOINTMENT_WORDS = {
    "held": "待支付",
    "confirmed": "已预约",
    "checked_in": "已签到",
    "completed": "已就诊",
    "no_show": "未就诊",
    "cancelled": "已取消",
    "expired": "已过期",
}
REFILL_WORDS = {
    "submitted": "待医生审核",
    "signed": "医生已通过，等药师审核",
    "reviewed": "审核通过，待支付药费",
    "declined": "未通过",
    "paid": "已支付",
    "dispensed": "已发药",
    "cancelled": "已取消",
}
LIST_AT_MOST = 5


@dataclass(frozen=True)
class Held:
    """One patient's record as the patient may see it: masked, titles only."""

    patient: patients.PatientView
    appointments: list[str]
    appointment_count: int
    reports: list[str]
    report_count: int
    refills: list[str]
    refill_count: int


def account_id(ctx: ServiceContext, channel: str, sender: str) -> str | None:
    with ctx.db.reading() as session:
        return session.scalar(select(ChannelIdentity.account_id).where(is_identity(ctx.cipher, channel, sender)))


def _bound(session: Session, account: str) -> list[AccountPatient]:
    return list(
        session.scalars(
            select(AccountPatient)
            .join(Patient, Patient.id == AccountPatient.patient_id)
            .where(AccountPatient.account_id == account)
            .order_by((AccountPatient.relation != "self"), Patient.created_at, Patient.id)
        ).all()
    )


def _conversation_hash(ctx: ServiceContext, conversation: str) -> str:
    return ctx.cipher.blind_index(conversation, REQUEST_CONTEXT)


def start(ctx: ServiceContext, account: str, conversation: str, action: str) -> str | None:
    """Send the code to the account's own patient's phone on file and open the request;
    the phone as the patient may see it, or None when no patient is bound. Raises
    otp.OtpRateLimited when that phone had too many codes."""
    with ctx.db.reading() as session:
        links = _bound(session, account)
        if not links:
            return None
        patient = links[0].patient
        phone = patients.patient_phone(ctx.cipher, patient)
        patient_id = patient.id
    otp.send_code(ctx, phone=phone, purpose=PURPOSE)
    hashed = _conversation_hash(ctx, conversation)
    with ctx.db.transaction() as session:
        now = utcnow()
        session.execute(
            update(PrivacyRequest)
            .where(PrivacyRequest.conversation_hash == hashed, PrivacyRequest.closed_at.is_(None))
            .values(closed_at=now)
        )
        session.add(
            PrivacyRequest(
                conversation_hash=hashed,
                action=action,
                patient_id=patient_id,
                created_at=now,
                expires_at=now + REQUEST_TTL,
            )
        )
    return f"尾号{phone[-4:]}"


def pending(ctx: ServiceContext, conversation: str) -> str | None:
    """The action ("view" | "delete") waiting for a code in this conversation, if any."""
    with ctx.db.reading() as session:
        return session.scalar(
            select(PrivacyRequest.action)
            .where(
                PrivacyRequest.conversation_hash == _conversation_hash(ctx, conversation),
                PrivacyRequest.closed_at.is_(None),
                PrivacyRequest.expires_at > utcnow(),
            )
            .order_by(PrivacyRequest.id.desc())
            .limit(1)
        )


def close(ctx: ServiceContext, conversation: str) -> None:
    with ctx.db.transaction() as session:
        session.execute(
            update(PrivacyRequest)
            .where(
                PrivacyRequest.conversation_hash == _conversation_hash(ctx, conversation),
                PrivacyRequest.closed_at.is_(None),
            )
            .values(closed_at=utcnow())
        )


def confirm(ctx: ServiceContext, conversation: str, code: str) -> str:
    """Spend the code for the open request; its action. The OTP errors (wrong with tries
    left, expired, locked) come through; a request gone by now is otp.OtpUnavailable."""
    with ctx.db.reading() as session:
        request = session.scalar(
            select(PrivacyRequest)
            .where(
                PrivacyRequest.conversation_hash == _conversation_hash(ctx, conversation),
                PrivacyRequest.closed_at.is_(None),
                PrivacyRequest.expires_at > utcnow(),
            )
            .order_by(PrivacyRequest.id.desc())
            .limit(1)
        )
        if request is None:
            raise otp.OtpUnavailable()
        patient = session.get(Patient, request.patient_id)
        assert patient is not None
        phone, action = patients.patient_phone(ctx.cipher, patient), request.action
    otp.spend_code(ctx, phone=phone, purpose=PURPOSE, code=code)
    close(ctx, conversation)
    return action


def held(ctx: ServiceContext, account: str) -> list[Held]:
    """Everything held about the account's patients, masked; each read audited."""
    found: list[Held] = []
    with ctx.db.transaction() as session:
        for link in _bound(session, account):
            patient = link.patient
            visits = session.execute(
                select(Appointment.clinic_date, Department.name, Appointment.status)
                .join(Department, Department.id == Appointment.department_id)
                .where(Appointment.patient_id == patient.id)
                .order_by(Appointment.clinic_date.desc())
            ).all()
            reports = session.scalars(
                select(LabReport).where(LabReport.patient_id == patient.id).order_by(LabReport.sampled_at.desc())
            ).all()
            refills = session.scalars(
                select(RefillRequest)
                .where(RefillRequest.patient_id == patient.id)
                .order_by(RefillRequest.created_at.desc())
            ).all()
            found.append(
                Held(
                    patient=patients.view_patient(ctx.cipher, patient, link.relation),
                    appointments=[
                        f"{day:%Y-%m-%d} {dept} {APPOINTMENT_WORDS.get(status, status)}"
                        for day, dept, status in visits[:LIST_AT_MOST]
                    ],
                    appointment_count=len(visits),
                    reports=[f"{title_of(ctx.cipher, r)}（{r.sampled_at:%Y-%m-%d}）" for r in reports[:LIST_AT_MOST]],
                    report_count=len(reports),
                    refills=[
                        f"{r.created_at:%Y-%m-%d} {REFILL_WORDS.get(r.status, r.status)}"
                        for r in refills[:LIST_AT_MOST]
                    ],
                    refill_count=len(refills),
                )
            )
            audit.record(
                ctx,
                session,
                action="privacy.view",
                patient_id=patient.id,
                detail={"appointments": len(visits), "reports": len(reports), "refills": len(refills)},
            )
    return found


def unbind_all(ctx: ServiceContext, account: str) -> int:
    """Remove the account's bindings to its patients (and the phones' account counts they
    took); the patients' records stay. How many patients were unbound; audited each."""
    with ctx.db.transaction() as session:
        links = _bound(session, account)
        for link in links:
            audit.record(
                ctx,
                session,
                action="privacy.unbind",
                patient_id=link.patient_id,
                detail={"kept": ["medical_record", "appointments", "reports", "refills", "payments"]},
            )
        phones = session.scalars(
            select(ChannelIdentity).where(ChannelIdentity.account_id == account, ChannelIdentity.channel == "phone")
        ).all()
        for identity in phones:
            hashed_phone = opened(ctx.cipher, identity.external_enc).rsplit(":", 1)[0]
            session.execute(
                update(PhoneBinding)
                .where(PhoneBinding.phone_hash == hashed_phone, PhoneBinding.account_count > 0)
                .values(account_count=PhoneBinding.account_count - 1)
            )
            session.delete(identity)
        session.execute(delete(AccountPatient).where(AccountPatient.account_id == account))
        return len(links)


def unlink_identities(ctx: ServiceContext, account: str) -> int:
    """Remove the account's chat identities (its platform ids: an SMS patient's phone, an
    openid), so after deletion they lead to nothing here. The bare account row (an id and
    a date) stays: the audit trail the law keeps names it. How many went."""
    with ctx.db.transaction() as session:
        result: Any = session.execute(delete(ChannelIdentity).where(ChannelIdentity.account_id == account))
        return int(result.rowcount or 0)


def purge_requests(ctx: ServiceContext, older_than: timedelta = timedelta(days=1)) -> int:
    """Requests a day old are long closed or lapsed (five minutes of use): the retention job."""
    with ctx.db.transaction() as session:
        result: Any = session.execute(delete(PrivacyRequest).where(PrivacyRequest.created_at < utcnow() - older_than))
        return int(result.rowcount or 0)
