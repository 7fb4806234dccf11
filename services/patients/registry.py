"""Accounts, their channel identities, and real-name patients (就诊人)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import rows_changed
from models import Account, AccountPatient, ChannelIdentity, Patient, PhoneBinding
from services import audit
from services.context import ServiceContext
from services.crypto import FieldCipher
from services.errors import InvalidInput, NotFound, PhoneLimitReached
from services.patients.identity import InvalidIdentity, mask_id_number, mask_phone, normalize_phone, parse_id_number

ID_CONTEXT = "patients.id_number"
PHONE_CONTEXT = "patients.phone"
CHANNELS = ("wechat", "alipay", "sms", "web")


@dataclass(frozen=True)
class PatientView:
    """What may leave the service about a patient: masked, never the raw numbers."""

    id: str
    name: str
    id_number_masked: str
    phone_masked: str
    birth_date: date
    sex: str
    relation: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "id_number": self.id_number_masked,
            "phone": self.phone_masked,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            **({"relation": self.relation} if self.relation else {}),
        }


def view_patient(cipher: FieldCipher, patient: Patient, relation: str | None = None) -> PatientView:
    return PatientView(
        id=patient.id,
        name=patient.name,
        id_number_masked=mask_id_number(cipher.decrypt(patient.id_number_enc, ID_CONTEXT)),
        phone_masked=mask_phone(cipher.decrypt(patient.phone_enc, PHONE_CONTEXT)),
        birth_date=patient.birth_date,
        sex=patient.sex,
        relation=relation,
    )


def patient_phone(cipher: FieldCipher, patient: Patient) -> str:
    """The real number, for sending a message to it; never for display."""
    return cipher.decrypt(patient.phone_enc, PHONE_CONTEXT)


def phone_hash(cipher: FieldCipher, phone: str) -> str:
    return cipher.blind_index(phone, PHONE_CONTEXT)


def find_or_create_account(session: Session, channel: str, external_id: str) -> Account:
    identity = session.scalar(
        select(ChannelIdentity).where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    )
    if identity is not None:
        return identity.account
    account = Account()
    session.add(account)
    session.add(ChannelIdentity(account=account, channel=channel, external_id=external_id))
    session.flush()
    return account


def _bind_phone(ctx: ServiceContext, session: Session, account: Account, hashed_phone: str) -> None:
    """Bind a phone to an account, at most `max_accounts_per_phone` accounts per phone.

    The cap is enforced by a conditional increment, so two accounts racing for
    the last place cannot both win.
    """
    # A phone is an identity of several accounts, so the unique key includes the account.
    binding_id = f"{hashed_phone}:{account.id}"
    already = session.scalar(
        select(ChannelIdentity).where(ChannelIdentity.channel == "phone", ChannelIdentity.external_id == binding_id)
    )
    if already is not None:
        return
    if session.get(PhoneBinding, hashed_phone) is None:
        session.add(PhoneBinding(phone_hash=hashed_phone, account_count=0))
        session.flush()
    claimed = rows_changed(
        session,
        update(PhoneBinding)
        .where(
            PhoneBinding.phone_hash == hashed_phone,
            PhoneBinding.account_count < ctx.settings.max_accounts_per_phone,
        )
        .values(account_count=PhoneBinding.account_count + 1),
    )
    if claimed != 1:
        raise PhoneLimitReached(limit=ctx.settings.max_accounts_per_phone)
    session.add(ChannelIdentity(account=account, channel="phone", external_id=binding_id))


def register_patient(
    ctx: ServiceContext,
    *,
    name: str,
    id_number: str,
    phone: str,
    channel: str | None = None,
    channel_user_id: str | None = None,
    relation: str = "self",
) -> tuple[PatientView, bool]:
    """Create (or find, by ID number) a real-name patient; bind it to the chatting account.

    Returns the patient and whether it was newly created. One ID number is one
    patient: registering it again with the same name returns the same patient.
    """
    name = name.strip()
    if not 2 <= len(name) <= 30:
        raise InvalidInput("请填写就诊人的真实姓名（2到30个字）", field="name")
    try:
        facts = parse_id_number(id_number)
        phone_digits = normalize_phone(phone)
    except InvalidIdentity as exc:
        raise InvalidInput(str(exc)) from None
    cipher = ctx.cipher
    id_hash = cipher.blind_index(facts.number, ID_CONTEXT)
    hashed_phone = phone_hash(cipher, phone_digits)

    with ctx.db.transaction() as session:
        patient = session.scalar(select(Patient).where(Patient.id_number_hash == id_hash))
        created = patient is None
        if patient is None:
            patient = Patient(
                name=name,
                id_number_enc=cipher.encrypt(facts.number, ID_CONTEXT),
                id_number_hash=id_hash,
                phone_enc=cipher.encrypt(phone_digits, PHONE_CONTEXT),
                phone_hash=hashed_phone,
                birth_date=facts.birth_date,
                sex=facts.sex,
            )
            session.add(patient)
            try:
                with session.begin_nested():
                    session.flush()
            except IntegrityError:
                raise InvalidInput("这个身份证号正在登记中，请稍后再试") from None
        elif patient.name != name:
            raise InvalidInput("姓名与身份证号不一致，请核对", field="name")
        if channel and channel_user_id:
            if channel not in CHANNELS:
                raise InvalidInput("不支持的渠道", field="channel")
            account = find_or_create_account(session, channel, channel_user_id)
            _bind_phone(ctx, session, account, hashed_phone)
            link = session.get(AccountPatient, (account.id, patient.id))
            if link is None:
                session.add(AccountPatient(account_id=account.id, patient_id=patient.id, relation=relation))
        audit.record(
            session,
            actor=ctx.actor,
            action="patient.register" if created else "patient.link",
            patient_id=patient.id,
            request_id=ctx.request_id,
            detail={"channel": channel} if channel else None,
        )
        return view_patient(cipher, patient, relation if channel else None), created


def account_patients(ctx: ServiceContext, channel: str, channel_user_id: str) -> list[PatientView]:
    with ctx.db.reading() as session:
        identity = session.scalar(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == channel, ChannelIdentity.external_id == channel_user_id
            )
        )
        if identity is None:
            return []
        links = session.scalars(
            select(AccountPatient)
            .join(Patient, Patient.id == AccountPatient.patient_id)
            .where(AccountPatient.account_id == identity.account_id)
            # "self" before family, then in the order they were added.
            .order_by((AccountPatient.relation != "self"), Patient.created_at, Patient.id)
        ).all()
        return [view_patient(ctx.cipher, link.patient, link.relation) for link in links]


def get_patient(ctx: ServiceContext, patient_id: str) -> PatientView:
    with ctx.db.reading() as session:
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise NotFound("没有找到这位就诊人")
        return view_patient(ctx.cipher, patient)
