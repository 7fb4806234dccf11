"""Queue a message for a patient on their own channel.

The channel the caller names when the patient is reachable there (a booking's
confirmation goes back to the chat it was booked from: WeChat, Alipay, the web
page, SMS), else the patient's app channel (WeChat, then Alipay) when an
account that manages them has one, SMS to their phone otherwise; the delivery step falls back to
SMS if the app channel refuses. Always inside the caller's transaction (the
outbox pattern), always under a dedupe key naming the business effect.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, case, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from db import connection_of
from models import AccountPatient, ChannelIdentity, Patient
from services.context import ServiceContext
from services.crypto import FieldCipher
from services.notifications import outbox
from services.patients.identities import channel_of_account, opened
from services.patients.registry import PHONE_CONTEXT

APP_CHANNELS = ("wechat", "alipay")


# Built once: these run in every free booking's transaction (services/booking/holds.py).
_APP_CHANNEL = (
    select(ChannelIdentity.channel, ChannelIdentity.external_enc)
    .join(AccountPatient, AccountPatient.account_id == ChannelIdentity.account_id)
    .where(AccountPatient.patient_id == bindparam("patient_id"), channel_of_account().in_(APP_CHANNELS))
    .order_by(
        case((AccountPatient.relation == "self", 0), else_=1),
        case((ChannelIdentity.channel == "wechat", 0), else_=1),
        ChannelIdentity.id,
    )
    .limit(1)
)
_IDENTITY_ON = (
    select(ChannelIdentity.external_enc)
    .join(AccountPatient, AccountPatient.account_id == ChannelIdentity.account_id)
    .where(AccountPatient.patient_id == bindparam("patient_id"), channel_of_account() == bindparam("channel"))
    .order_by(case((AccountPatient.relation == "self", 0), else_=1), ChannelIdentity.id.desc())
    .limit(1)
)


def app_channel(session: Session, cipher: FieldCipher, patient_id: str) -> tuple[str, str] | None:
    """(channel, platform user id) of the patient's preferred app channel, if any."""
    row = session.connection().execute(_APP_CHANNEL, {"patient_id": patient_id}).first()
    return (row[0], opened(cipher, row[1])) if row else None


def identity_on(session: Session | Connection, cipher: FieldCipher, patient_id: str, channel: str) -> str | None:
    """The platform user id on `channel` of an account managing the patient (the newest, for
    the web page, whose sender ids are per browser); None when there is none."""
    token = connection_of(session).scalar(_IDENTITY_ON, {"patient_id": patient_id, "channel": channel})
    return opened(cipher, token) if token is not None else None


def to_patient(
    ctx: ServiceContext,
    session: Session,
    patient: Patient,
    *,
    kind: str,
    dedupe_key: str,
    text: str,
    not_before: datetime | None = None,
    channel: str | None = None,
) -> bool:
    """Queue `text` for `patient`; False when this effect was queued before."""
    chosen, recipient = recipient_of(ctx, session, patient.id, patient.phone_enc, channel)
    return outbox.enqueue(
        session,
        ctx.cipher,
        dedupe_key=dedupe_key,
        channel=chosen,
        kind=kind,
        recipient=recipient,
        text=text,
        patient_id=patient.id,
        not_before=not_before,
    )


def recipient_of(
    ctx: ServiceContext, session: Session, patient_id: str, phone_enc: str, channel: str | None
) -> tuple[str, str]:
    """(channel, address) a message for the patient goes to: the named channel when they are
    reachable there, else their app channel, else SMS to their (sealed) phone. From the id and
    sealed phone, so a caller holding a row, not an object (the booking), can ask too."""
    target: tuple[str, str] | None = None
    if channel == "sms":
        target = ("sms", ctx.cipher.decrypt(phone_enc, PHONE_CONTEXT))
    elif channel in (*APP_CHANNELS, "web"):
        found = identity_on(session, ctx.cipher, patient_id, channel)
        target = (channel, found) if found else None
    return (
        target or app_channel(session, ctx.cipher, patient_id) or ("sms", ctx.cipher.decrypt(phone_enc, PHONE_CONTEXT))
    )


def signature(ctx: ServiceContext) -> str:
    return f"【{ctx.settings.hospital_name}】"
