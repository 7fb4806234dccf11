"""Binding a 就诊人 at the registration window (issue 11): the ID card checked in person.

An elderly patient whose phone on file is a child's, or changed, cannot receive the
binding SMS. At the window a clerk sees the ID card itself, which proves more than a
code would. The chat gives the patient a short one-time code ("窗口绑定"); the clerk
types it with the name and ID number from the card and a reason, and the chat account
behind the code gets the patient. The code is all that links the two: it is random
(30 bits), kept only as an HMAC, good for WINDOW_BIND_CODE_MINUTES, spent once by a
conditional UPDATE, and a newer code retires the older. Every binding is audited with
the staff member and the reason; the usual caps per account and per phone apply.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from db import rows_changed
from models import Account, AccountPatient, Patient, utcnow
from models.privacy import WindowBindCode
from services import audit
from services.context import ServiceContext
from services.errors import DomainError, InvalidInput, NotFound
from services.patients import registry as patients
from services.patients.identity import InvalidIdentity, parse_id_number

# No 0/O, 1/I/L: read aloud across a counter or from a phone screen without mistakes.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CODE_CONTEXT = "window_bind_codes.code"


class WindowCodeInvalid(InvalidInput):
    """No such code, used, replaced by a newer one, or past its time."""

    message = "绑定码不对或已过期，请让患者在对话里重新发送“窗口绑定”获取新的绑定码"


def _normal_code(raw: str) -> str:
    return "".join(raw.split()).upper()


def issue_code(ctx: ServiceContext, channel: str, sender: str) -> str:
    """A fresh code for the chat account of (channel, sender); earlier ones stop working."""
    if channel not in patients.CHANNELS:
        raise InvalidInput("不支持的渠道", field="channel")
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    with ctx.db.transaction() as session:
        now = utcnow()
        account = patients.find_or_create_account(session, ctx.cipher, channel, sender)
        session.execute(
            update(WindowBindCode)
            .where(
                WindowBindCode.account_id == account.id,
                WindowBindCode.used_at.is_(None),
                WindowBindCode.superseded_at.is_(None),
            )
            .values(superseded_at=now)
        )
        session.add(
            WindowBindCode(
                code_hash=ctx.cipher.blind_index(code, CODE_CONTEXT),
                account_id=account.id,
                created_at=now,
                expires_at=now + timedelta(minutes=ctx.settings.window_bind_code_minutes),
            )
        )
    return code


def purge(ctx: ServiceContext, older_than: timedelta = timedelta(days=1)) -> int:
    """Codes a day old are spent, retired or lapsed (minutes of use): the retention job."""
    with ctx.db.transaction() as session:
        result: Any = session.execute(delete(WindowBindCode).where(WindowBindCode.created_at < utcnow() - older_than))
        return int(result.rowcount or 0)


def bind_at_window(
    ctx: ServiceContext, *, code: str, name: str, id_number: str, reason: str, relation: str = "self"
) -> patients.PatientView:
    """Bind the patient the clerk checked to the account behind `code`. `ctx.actor` is
    the staff member. Nothing changes unless every check passes; a refusal is audited
    (`patient.link.refused`, with its code only), so a clerk trying codes shows in the log."""
    try:
        return _bind(ctx, code=code, name=name, id_number=id_number, reason=reason, relation=relation)
    except DomainError as exc:
        with ctx.db.transaction() as session:
            audit.record(ctx, session, action="patient.link.refused", detail={"error": str(exc.code)})
        raise


def _bind(
    ctx: ServiceContext, *, code: str, name: str, id_number: str, reason: str, relation: str
) -> patients.PatientView:
    reason = reason.strip()
    if not 2 <= len(reason) <= 200:
        raise InvalidInput("请填写绑定原因（2到200个字），例如“患者本人持身份证到窗口办理”", field="reason")
    if relation not in ("self", "family"):
        raise InvalidInput("关系只能是本人或家人", field="relation")
    try:
        number = parse_id_number(id_number).number
    except InvalidIdentity as exc:
        raise InvalidInput(str(exc), field="id_number") from None
    code_hash = ctx.cipher.blind_index(_normal_code(code), CODE_CONTEXT)
    with ctx.db.transaction() as session:
        patient = session.scalar(
            select(Patient).where(Patient.id_number_hash == ctx.cipher.blind_index(number, patients.ID_CONTEXT))
        )
        if patient is None:
            raise NotFound("没有找到这个身份证号的就诊人，请先为患者建档")
        if patients.patient_name(ctx.cipher, patient) != name.strip():
            raise InvalidInput("姓名与身份证号不一致，请核对身份证", field="name")
        row = session.scalar(
            select(WindowBindCode).where(
                WindowBindCode.code_hash == code_hash,
                WindowBindCode.used_at.is_(None),
                WindowBindCode.superseded_at.is_(None),
                WindowBindCode.expires_at > utcnow(),
            )
        )
        if row is None:
            raise WindowCodeInvalid()
        account = session.get(Account, row.account_id)
        assert account is not None
        if session.get(AccountPatient, (account.id, patient.id)) is None:
            patients._check_caps(ctx, session, account.id, None)
            patients._bind_phone(ctx, session, account, patient.phone_hash)
            session.add(AccountPatient(account_id=account.id, patient_id=patient.id, relation=relation))
        spent = rows_changed(
            session,
            update(WindowBindCode)
            .where(WindowBindCode.id == row.id, WindowBindCode.used_at.is_(None))
            .values(used_at=utcnow()),
        )
        if spent != 1:  # another clerk spent it a moment ago: this transaction rolls back
            raise WindowCodeInvalid()
        audit.record(
            ctx,
            session,
            action="patient.link",
            patient_id=patient.id,
            subject=f"account:{account.id}",
            reason=reason,
            detail={"proof": "id_card_at_window", "relation": relation},
        )
        return patients.view_patient(ctx.cipher, patient, relation)
