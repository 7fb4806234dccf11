"""A name mistyped when the record was made is corrected, not looped on (issue 13).

A patient registered as "李明" who is really "李敏" used to get "姓名与身份证号不一致"
for ever: the ID number finds the record, the name no longer matches it, and nothing
let the name change. The same proof that binds a record to a chat corrects it: a code
sent to the phone on file (never the caller's phone). The corrected name is written
sealed like every name, and the change is audited (who, through which channel and
proof; never the names themselves, which the audit log must not hold in clear).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Patient
from services import audit
from services.context import ServiceContext
from services.errors import InvalidInput
from services.patients import registry as patients
from services.patients.identity import InvalidIdentity, parse_id_number


def _record(ctx: ServiceContext, session: Session, id_number: str) -> Patient | None:
    try:
        number = parse_id_number(id_number).number
    except InvalidIdentity:
        return None  # the registration itself says what is wrong with the number
    return session.scalar(
        select(Patient).where(Patient.id_number_hash == ctx.cipher.blind_index(number, patients.ID_CONTEXT))
    )


def a_typo(on_file: str, given: str) -> bool:
    """One character changed, added or left out ("李明" for "李敏", "欧阳敏" for "欧阳明敏"):
    what a slip of the keyboard makes. A wholly other name is not a typo, and costs the
    phone on file no SMS (services/patients/registry.binding_needed says it is wrong)."""
    if on_file == given or abs(len(on_file) - len(given)) > 1:
        return False
    if len(on_file) == len(given):
        return sum(a != b for a, b in zip(on_file, given, strict=True)) == 1
    longer, shorter = (on_file, given) if len(on_file) > len(given) else (given, on_file)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def phone_if_name_differs(ctx: ServiceContext, *, id_number: str, name: str) -> str | None:
    """The phone on file when this ID number's record carries the name with a typo, else None."""
    with ctx.db.reading() as session:
        record = _record(ctx, session, id_number)
        if record is None or not a_typo(patients.patient_name(ctx.cipher, record), name.strip()):
            return None
        return patients.patient_phone(ctx.cipher, record)


def correct_name(
    ctx: ServiceContext, *, id_number: str, name: str, proven_phone_hash: str, channel: str | None
) -> None:
    """Write the corrected name; only with a spent code of the phone on file."""
    name = name.strip()
    if not 2 <= len(name) <= 30:
        raise InvalidInput("请填写就诊人的真实姓名（2到30个字）", field="name")
    with ctx.db.transaction() as session:
        record = _record(ctx, session, id_number)
        if record is None or record.phone_hash != proven_phone_hash:
            raise patients.PhoneCodeRequired()
        record.name_enc = ctx.cipher.encrypt(name, patients.NAME_CONTEXT)
        audit.record(
            ctx,
            session,
            action="patient.name_corrected",
            patient_id=record.id,
            detail={"channel": channel or "api", "proof": "phone_code"},
        )
