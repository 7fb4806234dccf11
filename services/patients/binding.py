"""Binding a 就诊人 to a chat account proves control of the record (issue 11).

A name and an ID number are no secret (they are on every form a patient has
ever filled in), so they only say *which* record. Control is shown by a code
sent by SMS: to the phone given, for a patient the hospital does not know yet
(verified before the record exists), or to the phone on file, for one it does
(never the caller's own phone). At a hospital window a clerk binds in person,
after checking the ID card, with the one-time code the patient's chat shows
(services/patients/window_binding.py, audited with the clerk and the reason).
"""

from __future__ import annotations

from services.context import ServiceContext
from services.errors import DomainError
from services.patients import name_fix, otp
from services.patients import registry as patients
from services.patients.identity import mask_phone

PURPOSE = "bind_patient"


class PhoneCodeSent(DomainError):
    """A code went out; the caller asks the patient for it and tries again with it."""

    code = "phone_code_sent"

    def __init__(self, phone_masked: str, existing: bool, corrected_name: str | None = None) -> None:
        self.phone_masked = phone_masked
        whose = "这位就诊人登记的手机号" if existing else "手机号"
        if corrected_name:  # the record carries another name: the same code corrects it
            super().__init__(
                f"这个身份证号登记的姓名和“{corrected_name}”不一样。如果是当初登记时写错了，"
                f"验证码已发到登记的手机号{phone_masked}，输入6位验证码后就按“{corrected_name}”更正并绑定",
                phone=phone_masked,
            )
            return
        super().__init__(f"已向{whose}{phone_masked}发送验证码，请输入6位验证码完成绑定", phone=phone_masked)


def register_and_bind(
    ctx: ServiceContext,
    *,
    name: str,
    id_number: str,
    phone: str,
    channel: str | None,
    channel_user_id: str | None,
    relation: str = "self",
    code: str | None = None,
) -> tuple[patients.PatientView, bool]:
    """Register or find a patient; bind it to the account only with the right code.

    Without a code (and one is needed) a code is sent and PhoneCodeSent raised;
    with a wrong one the OTP errors (tries left, expired, locked) come through.
    """
    if not (channel and channel_user_id):
        return patients.register_patient(ctx, name=name, id_number=id_number, phone=phone, relation=relation)
    on_file = name_fix.phone_if_name_differs(ctx, id_number=id_number, name=name)
    if on_file is not None:  # a name mistyped at registration: corrected with the phone on file's code
        if not code:
            otp.send_code(ctx, phone=on_file, purpose=PURPOSE)
            raise PhoneCodeSent(f"*******{on_file[-4:]}", True, corrected_name=name.strip())
        proven_on_file = otp.spend_code(ctx, phone=on_file, purpose=PURPOSE, code=code)
        name_fix.correct_name(ctx, id_number=id_number, name=name, proven_phone_hash=proven_on_file, channel=channel)
        proven: str | None = proven_on_file
        needed = None  # the code to the phone on file proved control of the record
    else:
        proven = None
        needed = patients.binding_needed(
            ctx, name=name, id_number=id_number, phone=phone, channel=channel, channel_user_id=channel_user_id
        )
    if needed is not None:
        if not code:
            otp.send_code(ctx, phone=needed.phone, purpose=PURPOSE)
            # the phone on file is shown by its last four digits only: whoever typed a name and
            # an ID number learns no more of a stranger's phone than a bank's SMS would show
            shown = f"*******{needed.phone[-4:]}" if needed.existing else mask_phone(needed.phone)
            raise PhoneCodeSent(shown, needed.existing)
        proven = otp.spend_code(ctx, phone=needed.phone, purpose=PURPOSE, code=code)
    return patients.register_patient(
        ctx,
        name=name,
        id_number=id_number,
        phone=phone,
        channel=channel,
        channel_user_id=channel_user_id,
        relation=relation,
        proven_phone_hash=proven,
    )
