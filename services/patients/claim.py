"""Who is chatting, by the phone on file: a code sent there proves control (issue 13).

A fresh web visitor or a new WeChat follower who wants results, a refill or their
appointments has a chat account with no patient yet. Asking for the name, ID number
and phone again (registration) is three questions and fails for a record whose name
was once mistyped; the phone on file is enough: a code sent to it, typed back, shows
the person holds that phone, which is what binding a patient has always required
(services/patients/binding.py). Every patient with that phone on file is then bound
to the chat account, and the answer carries a one-time grant of the journey's purpose
(results: one listing, bound to the conversation), so no second code is needed.

A phone no patient has gets no SMS at all (otp.send_code), and a code for it can
never be right, so nothing here tells a stranger whether a phone is known.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AccountPatient, LabReport, Patient, Prescription
from services import audit
from services.context import ServiceContext
from services.errors import InvalidInput
from services.patients import otp
from services.patients import registry as patients
from services.patients.identity import InvalidIdentity, normalize_phone

# A purpose whose code may claim the patients of a phone: the journeys that need one.
CLAIM_PURPOSES = ("results", "refill", "appointments")


def claim_by_phone(
    ctx: ServiceContext,
    *,
    phone: str,
    code: str,
    purpose: str,
    channel: str,
    channel_user_id: str,
    conversation: str | None = None,
) -> dict[str, Any]:
    """Spend the code sent to `phone`, bind its patients to the chat account.

    Returns ``{"patients": [...], "token": grant}``, each patient saying whether it has
    anything for the purpose (``has_records``: reports, prescriptions), so a family's phone
    whose one member has reports need not be asked "which patient?"; the OTP errors (wrong, expired,
    locked) come through as they are, so the bot can say how many tries are left.
    """
    if purpose not in CLAIM_PURPOSES:
        raise InvalidInput("不支持的验证用途", field="purpose")
    if channel not in patients.CHANNELS:
        raise InvalidInput("不支持的渠道", field="channel")
    try:
        digits = normalize_phone(phone)
    except InvalidIdentity as exc:
        raise InvalidInput(str(exc), field="phone") from None
    answer = otp.verify_code(ctx, phone=digits, purpose=purpose, code=code, conversation=conversation)
    hashed_phone = patients.phone_hash(ctx.cipher, digits)
    with ctx.db.transaction() as session:
        on_file = session.scalars(
            select(Patient).where(Patient.phone_hash == hashed_phone).order_by(Patient.created_at, Patient.id)
        ).all()
        account = patients.find_or_create_account(session, ctx.cipher, channel, channel_user_id)
        views = []
        for patient in on_file:
            if session.get(AccountPatient, (account.id, patient.id)) is None:
                # the same caps as any binding: an account's patients, a phone's accounts
                patients._check_caps(ctx, session, account.id, None)
                patients._bind_phone(ctx, session, account, hashed_phone)
                session.add(AccountPatient(account_id=account.id, patient_id=patient.id, relation="self"))
                audit.record(
                    ctx,
                    session,
                    action="patient.link",
                    patient_id=patient.id,
                    detail={"channel": channel, "proof": "phone_code"},
                )
            view = patients.view_patient(ctx.cipher, patient, "self").as_dict()
            views.append({**view, "has_records": has_records(session, purpose, patient.id)})
    return {"patients": views, "token": answer["token"], "expires_in": answer["expires_in"]}


def has_records(session: Session, purpose: str, patient_id: str) -> bool:
    """Whether the patient has what the journey looks for: a report that is out for results
    (blind set 3 E43: the grandfather's results were out, his grandson's blood test pending),
    a prescription the refill journey lists (appointments are listed for all of them anyway).
    Only a chronic prescription from an offline visit is ever listed for renewal
    (services/clinical/refills.py): a child's cold medicine on the family phone made set 5's
    fresh refills (G46-G48) ask "which patient?" between the grandfather and the child."""
    if purpose == "results":  # a result that is out (a pending one is listed once chosen, not a reason to choose)
        found = select(LabReport.id).where(LabReport.patient_id == patient_id, LabReport.status == "final")
    elif purpose == "refill":
        found = select(Prescription.id).where(
            Prescription.patient_id == patient_id,
            Prescription.is_chronic.is_(True),
            Prescription.origin == "offline",
        )
    else:
        return True
    return session.scalar(found.limit(1)) is not None
