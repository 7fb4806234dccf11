"""Accounts, their channel identities, and real-name patients (就诊人)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import rows_changed
from models import Account, AccountPatient, ChannelIdentity, Patient, PhoneBinding
from services import audit
from services.context import ServiceContext
from services.crypto import FieldCipher
from services.errors import DomainError, InvalidInput, NotFound, PhoneLimitReached
from services.patients import phone_release
from services.patients.identities import is_identity, new_identity
from services.patients.identity import InvalidIdentity, mask_id_number, mask_phone, normalize_phone, parse_id_number

ID_CONTEXT = "patients.id_number"
PHONE_CONTEXT = "patients.phone"
NAME_CONTEXT = "patients.name"
BIRTH_DATE_CONTEXT = "patients.birth_date"
CHANNELS = ("wechat", "alipay", "sms", "web")


class PhoneCodeRequired(DomainError):
    """Binding needs a code sent to the phone that proves control of the record."""

    code, message = "phone_code_required", "为保护就诊人信息，请先输入发送到就诊人手机的验证码"


class PatientLimitReached(DomainError):
    code = "patient_limit"


@dataclass(frozen=True)
class Binding:
    """Who must prove control before an account gets a patient: the phone to send the code to.

    For a new patient it is the phone given (verified before the record exists);
    for a patient already on file it is the phone on file, never the caller's.
    """

    phone: str
    existing: bool


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
        name=patient_name(cipher, patient),
        id_number_masked=mask_id_number(cipher.decrypt(patient.id_number_enc, ID_CONTEXT)),
        phone_masked=mask_phone(cipher.decrypt(patient.phone_enc, PHONE_CONTEXT)),
        birth_date=patient_birth_date(cipher, patient),
        sex=patient.sex,
        relation=relation,
    )


def patient_name(cipher: FieldCipher, patient: Patient) -> str:
    return cipher.decrypt(patient.name_enc, NAME_CONTEXT)


def patient_birth_date(cipher: FieldCipher, patient: Patient) -> date:
    """For age rules (triage, departments' age limits); the value is sealed at rest."""
    return birth_date_of(cipher, patient.birth_date_enc)


def birth_date_of(cipher: FieldCipher, token: str) -> date:
    return date.fromisoformat(cipher.decrypt(token, BIRTH_DATE_CONTEXT))


def patient_phone(cipher: FieldCipher, patient: Patient) -> str:
    """The real number, for sending a message to it; never for display."""
    return cipher.decrypt(patient.phone_enc, PHONE_CONTEXT)


def phone_hash(cipher: FieldCipher, phone: str) -> str:
    return cipher.blind_index(phone, PHONE_CONTEXT)


def find_or_create_account(session: Session, cipher: FieldCipher, channel: str, external_id: str) -> Account:
    identity = session.scalar(select(ChannelIdentity).where(is_identity(cipher, channel, external_id)))
    if identity is not None:
        return identity.account
    account = Account()
    session.add(account)
    session.add(new_identity(cipher, account, channel, external_id))
    session.flush()
    return account


def _bind_phone(ctx: ServiceContext, session: Session, account: Account, hashed_phone: str) -> None:
    """Bind a phone to an account, at most `max_accounts_per_phone` accounts per phone.

    The cap is enforced by a conditional increment, so two accounts racing for
    the last place cannot both win. Every caller has just proven the phone (a spent
    code, an ID card at the window), so a full phone first releases its least recently
    used lapsed web session's binding, if it has one (services/patients/phone_release.py):
    each web visit is a new account, and three visits must not lock a patient out.
    """
    # A phone is an identity of several accounts, so the unique key includes the account.
    binding_id = f"{hashed_phone}:{account.id}"
    already = session.scalar(select(ChannelIdentity).where(is_identity(ctx.cipher, "phone", binding_id)))
    if already is not None:
        return
    if session.get(PhoneBinding, hashed_phone) is None:
        session.add(PhoneBinding(phone_hash=hashed_phone, account_count=0))
        session.flush()
    if not _claim_place(ctx, session, hashed_phone) and not (
        phone_release.release_lapsed(ctx, session, hashed_phone, for_account=account.id)
        and _claim_place(ctx, session, hashed_phone)
    ):
        raise PhoneLimitReached(limit=ctx.settings.max_accounts_per_phone)
    session.add(new_identity(ctx.cipher, account, "phone", binding_id))


def _claim_place(ctx: ServiceContext, session: Session, hashed_phone: str) -> bool:
    """Take one of the phone's places, if one is free (a conditional increment)."""
    claimed = rows_changed(
        session,
        update(PhoneBinding)
        .where(
            PhoneBinding.phone_hash == hashed_phone,
            PhoneBinding.account_count < ctx.settings.max_accounts_per_phone,
        )
        .values(account_count=PhoneBinding.account_count + 1),
    )
    return claimed == 1


def _parse(name: str, id_number: str, phone: str) -> tuple[str, str, str]:
    name = name.strip()
    if not 2 <= len(name) <= 30:
        raise InvalidInput("请填写就诊人的真实姓名（2到30个字）", field="name")
    try:
        return name, parse_id_number(id_number).number, normalize_phone(phone)
    except InvalidIdentity as exc:
        raise InvalidInput(str(exc)) from None


def _linked(session: Session, cipher: FieldCipher, channel: str, channel_user_id: str, patient_id: str) -> bool:
    return (
        session.scalar(
            select(AccountPatient.patient_id)
            .join(ChannelIdentity, ChannelIdentity.account_id == AccountPatient.account_id)
            .where(is_identity(cipher, channel, channel_user_id), AccountPatient.patient_id == patient_id)
        )
        is not None
    )


def _check_caps(ctx: ServiceContext, session: Session, account_id: str | None, new_phone_hash: str | None) -> None:
    """Per-account and per-phone caps on bound patients, so one account or phone
    cannot collect invented or strangers' records (MAX_PATIENTS_PER_*)."""
    settings = ctx.settings
    if account_id is not None:
        bound = session.scalar(select(func.count()).where(AccountPatient.account_id == account_id)) or 0
        if bound >= settings.max_patients_per_account:
            raise PatientLimitReached(
                f"一个账号最多绑定{settings.max_patients_per_account}位就诊人，请先解绑不再需要的就诊人"
            )
    if new_phone_hash is not None:
        on_phone = session.scalar(select(func.count()).where(Patient.phone_hash == new_phone_hash)) or 0
        if on_phone >= settings.max_patients_per_phone:
            raise PatientLimitReached(f"一个手机号最多登记{settings.max_patients_per_phone}位就诊人，请换一个手机号")


def binding_needed(
    ctx: ServiceContext, *, name: str, id_number: str, phone: str, channel: str, channel_user_id: str
) -> Binding | None:
    """The phone a code must prove before this account gets this patient; None when
    the account already has them. Checks name and caps first, so a wrong name or a
    full account never costs anyone an SMS."""
    name, number, phone_digits = _parse(name, id_number, phone)
    with ctx.db.reading() as session:
        patient = session.scalar(
            select(Patient).where(Patient.id_number_hash == ctx.cipher.blind_index(number, ID_CONTEXT))
        )
        if patient is not None and patient_name(ctx.cipher, patient) != name:
            raise InvalidInput("姓名与身份证号不一致，请核对", field="name")
        if patient is not None and _linked(session, ctx.cipher, channel, channel_user_id, patient.id):
            return None
        identity = session.scalar(select(ChannelIdentity).where(is_identity(ctx.cipher, channel, channel_user_id)))
        new_phone = phone_hash(ctx.cipher, phone_digits) if patient is None else None
        _check_caps(ctx, session, identity.account_id if identity else None, new_phone)
        if patient is None:
            return Binding(phone=phone_digits, existing=False)
        return Binding(phone=patient_phone(ctx.cipher, patient), existing=True)


def register_patient(
    ctx: ServiceContext,
    *,
    name: str,
    id_number: str,
    phone: str,
    channel: str | None = None,
    channel_user_id: str | None = None,
    relation: str = "self",
    proven_phone_hash: str | None = None,
) -> tuple[PatientView, bool]:
    """Create (or find, by ID number) a real-name patient; bind it to the chatting account.

    Returns the patient and whether it was newly created. One ID number is one
    patient: registering it again with the same name returns the same patient.
    An account gets a patient it does not have yet only with `proven_phone_hash`
    (a spent bind code) naming the phone on file, or the new patient's phone:
    a name and an ID number are no proof, they are printed on too many forms.
    """
    name, number, phone_digits = _parse(name, id_number, phone)
    facts = parse_id_number(number)
    cipher = ctx.cipher
    id_hash = cipher.blind_index(facts.number, ID_CONTEXT)
    hashed_phone = phone_hash(cipher, phone_digits)

    with ctx.db.transaction() as session:
        patient = session.scalar(select(Patient).where(Patient.id_number_hash == id_hash))
        created = patient is None
        if patient is None:
            _check_caps(ctx, session, None, hashed_phone)
            patient = Patient(
                name_enc=cipher.encrypt(name, NAME_CONTEXT),
                id_number_enc=cipher.encrypt(facts.number, ID_CONTEXT),
                id_number_hash=id_hash,
                phone_enc=cipher.encrypt(phone_digits, PHONE_CONTEXT),
                phone_hash=hashed_phone,
                birth_date_enc=cipher.encrypt(facts.birth_date.isoformat(), BIRTH_DATE_CONTEXT),
                sex=facts.sex,
            )
            session.add(patient)
            try:
                with session.begin_nested():
                    session.flush()
            except IntegrityError:
                raise InvalidInput("这个身份证号正在登记中，请稍后再试") from None
        elif patient_name(cipher, patient) != name:
            raise InvalidInput("姓名与身份证号不一致，请核对", field="name")
        if channel and channel_user_id:
            if channel not in CHANNELS:
                raise InvalidInput("不支持的渠道", field="channel")
            account = find_or_create_account(session, cipher, channel, channel_user_id)
            link = session.get(AccountPatient, (account.id, patient.id))
            if link is None:
                if proven_phone_hash is None or proven_phone_hash != patient.phone_hash:
                    raise PhoneCodeRequired()
                _check_caps(ctx, session, account.id, None)
                _bind_phone(ctx, session, account, patient.phone_hash)
                session.add(AccountPatient(account_id=account.id, patient_id=patient.id, relation=relation))
        audit.record(
            ctx,
            session,
            action="patient.register" if created else "patient.link",
            patient_id=patient.id,
            detail={"channel": channel} if channel else None,
        )
        return view_patient(cipher, patient, relation if channel else None), created


def account_patients(ctx: ServiceContext, channel: str, channel_user_id: str) -> list[PatientView]:
    with ctx.db.reading() as session:
        identity = session.scalar(select(ChannelIdentity).where(is_identity(ctx.cipher, channel, channel_user_id)))
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
