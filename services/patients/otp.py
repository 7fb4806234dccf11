"""One-time codes by SMS, and the short-lived grant a correct code earns.

- Limits (1 a minute, 5 an hour, 10 a day per phone) are checked in the database
  before anything is sent, inside a transaction that first bumps the phone's
  `otp_phones` row, so processes racing for the same phone queue up instead of
  both counting "none sent yet".
- A code is 6 digits from `secrets`, stored only as an HMAC (the blind-index
  key) bound to the phone and purpose; it lives 5 minutes, is used once, and a
  newer code for the same phone and purpose retires it.
- Every comparison first claims one of the code's 5 tries with a conditional
  UPDATE, so parallel guesses cannot get more than 5 looks at one code.
- A correct code earns a grant: an itsdangerous token signed with SECRET_KEY
  carrying the phone's blind index and the purpose, valid 30 minutes. It holds
  no phone number, and only checks of the same purpose accept it.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import rows_changed
from models import OtpCode, OtpPhone, Patient, utcnow
from services.booking.calendar import SHANGHAI
from services.context import ServiceContext
from services.errors import DomainError, InvalidInput
from services.notifications import outbox
from services.patients.identity import InvalidIdentity, normalize_phone
from services.patients.registry import phone_hash

Purpose = Literal["results", "bind_patient", "refill", "appointments", "my_data"]
PURPOSES: tuple[str, ...] = ("results", "bind_patient", "refill", "appointments", "my_data")
# Purposes that only make sense for a phone the hospital already knows.
PATIENT_PURPOSES = ("results", "refill", "appointments", "my_data")

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5
GRANT_TTL_SECONDS = 30 * 60
SEND_LIMITS = (  # (window, sends allowed in it), checked shortest first
    (timedelta(minutes=1), 1),
    (timedelta(hours=1), 5),
    (timedelta(days=1), 10),
)
CODE_CONTEXT = "otp_codes.code"
# Said in the SMS, so a patient who did not ask for this use knows to ignore it (and tells a
# "客服" asking for the code what it would unlock).
PURPOSE_WORDS = {
    "results": "查看检查检验报告",
    "bind_patient": "绑定就诊人",
    "refill": "申请续方",
    "appointments": "查看和管理预约",
    "my_data": "查看或删除您在本院保存的个人信息",
}
GRANT_SALT = "hospital/otp-grant"
GRANT_CONVERSATION_CONTEXT = "otp_grants.conversation"


class OtpRateLimited(DomainError):
    code, message = "rate_limited", "验证码发送太频繁，请稍后再试"

    def __init__(self, retry_at: datetime, now: datetime) -> None:
        self.retry_after = max(1, int((retry_at - now).total_seconds() + 0.999))
        super().__init__(f"验证码发送太频繁，请{_when(retry_at, now)}再试", retry_after=self.retry_after)


class OtpWrong(DomainError):
    code = "otp_invalid"

    def __init__(self, tries_left: int) -> None:
        self.tries_left = tries_left
        super().__init__(f"验证码不正确，还可以再试{tries_left}次", tries_left=tries_left)


class OtpExpired(DomainError):
    code, message = "otp_expired", "验证码已过期，请重新获取"


class OtpUnavailable(OtpExpired):
    """No code to check: never sent, already used, or replaced by a newer one."""

    message = "验证码已失效或已使用，请重新获取"


class OtpLocked(DomainError):
    code, message = "otp_locked", "验证码输错次数过多，已失效，请重新获取验证码"


class VerificationRequired(DomainError):
    code, message = "verification_required", "为保护您的隐私，请先通过短信验证码验证身份后再查看"


@dataclass(frozen=True)
class Grant:
    """What a verified grant proves: someone holding this phone passed this purpose's code."""

    phone_hash: str
    purpose: str


def _when(retry_at: datetime, now: datetime) -> str:
    """A retry time a patient can act on: "58秒后", "14:32后", "明天08:15后"."""
    seconds = (retry_at - now).total_seconds()
    if seconds < 120:
        return f"{max(1, int(seconds + 0.999))}秒后"
    local, today = retry_at.astimezone(SHANGHAI), now.astimezone(SHANGHAI).date()
    if local.date() == today:
        return f"{local:%H:%M}后"
    return f"明天{local:%H:%M}后"


def _normalize(phone: str) -> str:
    try:
        return normalize_phone(phone)
    except InvalidIdentity as exc:
        raise InvalidInput(str(exc), field="phone") from None


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise InvalidInput("不支持的验证用途", field="purpose")


def _code_hash(ctx: ServiceContext, hashed_phone: str, purpose: str, code: str) -> str:
    return ctx.cipher.blind_index(f"{hashed_phone}\x00{purpose}\x00{code}", CODE_CONTEXT)


# --- sending -------------------------------------------------------------------


def _lock_phone(session: Session, hashed_phone: str) -> None:
    if session.get(OtpPhone, hashed_phone) is None:
        try:
            with session.begin_nested():
                session.add(OtpPhone(phone_hash=hashed_phone, seq=0))
        except IntegrityError:
            pass  # another process created it first; the UPDATE below waits for it
    session.execute(update(OtpPhone).where(OtpPhone.phone_hash == hashed_phone).values(seq=OtpPhone.seq + 1))


def _check_limits(session: Session, hashed_phone: str, now: datetime) -> None:
    for window, allowed in SEND_LIMITS:
        since = now - window
        recent = session.scalars(
            select(OtpCode.created_at)
            .where(OtpCode.phone_hash == hashed_phone, OtpCode.created_at > since)
            .order_by(OtpCode.created_at.desc())
            .limit(allowed)
        ).all()
        if len(recent) >= allowed:
            # The oldest of the last `allowed` sends must leave the window first.
            raise OtpRateLimited(retry_at=recent[-1] + window, now=now)


def send_code(ctx: ServiceContext, *, phone: str, purpose: str) -> dict[str, Any]:
    """Issue a code and queue its SMS, or refuse (`OtpRateLimited`) when the phone is over a limit.

    For result and refill codes the SMS goes only to a phone some patient has
    on file; the answer is the same either way, so it reveals nothing.
    """
    _check_purpose(purpose)
    digits = _normalize(phone)
    hashed_phone = phone_hash(ctx.cipher, digits)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with ctx.db.transaction() as session:
        now = utcnow()
        _lock_phone(session, hashed_phone)
        _check_limits(session, hashed_phone, now)
        session.execute(
            update(OtpCode)
            .where(
                OtpCode.phone_hash == hashed_phone,
                OtpCode.purpose == purpose,
                OtpCode.used_at.is_(None),
                OtpCode.superseded_at.is_(None),
            )
            .values(superseded_at=now)
        )
        row = OtpCode(
            phone_hash=hashed_phone,
            purpose=purpose,
            code_hash=_code_hash(ctx, hashed_phone, purpose, code),
            attempts=0,
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        session.add(row)
        session.flush()
        known = session.scalar(select(Patient.id).where(Patient.phone_hash == hashed_phone).limit(1)) is not None
        if known or purpose not in PATIENT_PURPOSES:
            outbox.enqueue(
                session,
                ctx.cipher,
                # the row id alone repeats on SQLite once purge() has emptied the table (ids are
                # reused), and the outbox would then drop the new code as a duplicate of an old one
                dedupe_key=f"otp:{row.id}:{row.code_hash[:16]}",
                channel="sms",
                kind="otp",
                recipient=digits,
                text=f"【{ctx.settings.hospital_name}】您正在{PURPOSE_WORDS[purpose]}，验证码是{code}，"
                f"{int(CODE_TTL.total_seconds() // 60)}分钟内有效。验证码请勿告诉任何人，如非本人操作请忽略。",
            )
    return {
        "sent": True,
        "expires_in": int(CODE_TTL.total_seconds()),
        "resend_in": int(SEND_LIMITS[0][0].total_seconds()),
    }


# --- verifying -----------------------------------------------------------------


def _latest_code(session: Session, hashed_phone: str, purpose: str) -> OtpCode | None:
    return session.scalar(
        select(OtpCode)
        .where(
            OtpCode.phone_hash == hashed_phone,
            OtpCode.purpose == purpose,
            OtpCode.used_at.is_(None),
            OtpCode.superseded_at.is_(None),
        )
        .order_by(OtpCode.id.desc())
        .limit(1)
    )


def _claim_try(session: Session, code_id: int, now: datetime) -> bool:
    """Take one of the code's tries; False when it is used, expired or out of tries."""
    claimed = rows_changed(
        session,
        update(OtpCode)
        .where(
            OtpCode.id == code_id,
            OtpCode.used_at.is_(None),
            OtpCode.superseded_at.is_(None),
            OtpCode.expires_at > now,
            OtpCode.attempts < MAX_TRIES,
        )
        .values(attempts=OtpCode.attempts + 1),
    )
    return claimed == 1


def _refusal(row: OtpCode, now: datetime) -> DomainError:
    if row.used_at is not None or row.superseded_at is not None:
        return OtpUnavailable()
    if row.expires_at <= now:
        return OtpExpired()
    return OtpLocked()


def verify_code(
    ctx: ServiceContext, *, phone: str, purpose: str, code: str, conversation: str | None = None
) -> dict[str, Any]:
    """Check a code; a right one is spent and earns a one-time grant token, bound to the
    conversation it was asked in when one is given."""
    hashed_phone, code_id = _spend(ctx, phone=phone, purpose=purpose, code=code)
    token = issue_grant(ctx, hashed_phone, purpose, code_id=code_id, conversation=conversation)
    return {"verified": True, "token": token, "expires_in": GRANT_TTL_SECONDS}


def spend_code(ctx: ServiceContext, *, phone: str, purpose: str, code: str) -> str:
    """Check and spend a code (raising when it is wrong); the phone's blind index."""
    return _spend(ctx, phone=phone, purpose=purpose, code=code)[0]


def _spend(ctx: ServiceContext, *, phone: str, purpose: str, code: str) -> tuple[str, int]:
    """Check and spend a code; the phone's blind index and the code's row.

    The try is counted in its own transaction, which commits before a wrong
    code is reported, so an error cannot roll the count back.
    """
    _check_purpose(purpose)
    hashed_phone = phone_hash(ctx.cipher, _normalize(phone))
    offered = _code_hash(ctx, hashed_phone, purpose, code.strip())
    failure: DomainError | None = None
    code_id = 0
    with ctx.db.transaction() as session:
        now = utcnow()
        row = _latest_code(session, hashed_phone, purpose)
        if row is None:
            failure = OtpUnavailable()
        elif not _claim_try(session, row.id, now):
            session.refresh(row)
            failure = _refusal(row, now)
        elif not hmac.compare_digest(row.code_hash, offered):
            session.refresh(row)
            left = MAX_TRIES - row.attempts
            failure = OtpWrong(left) if left > 0 else OtpLocked()
        else:
            session.execute(update(OtpCode).where(OtpCode.id == row.id).values(used_at=now))
            code_id = row.id
    if failure is not None:
        raise failure
    return hashed_phone, code_id


# --- grants --------------------------------------------------------------------


def _serializer(ctx: ServiceContext) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(ctx.settings.secret_key, salt=GRANT_SALT)


def _conversation_hash(ctx: ServiceContext, conversation: str) -> str:
    return ctx.cipher.blind_index(conversation, GRANT_CONVERSATION_CONTEXT)


def issue_grant(
    ctx: ServiceContext, hashed_phone: str, purpose: str, *, code_id: int, conversation: str | None = None
) -> str:
    # A random id makes two grants for the same phone differ, so neither can be derived; the
    # code's row id lets the grant be spent once; the conversation (a blind index) binds it there.
    payload: dict[str, object] = {"p": hashed_phone, "u": purpose, "j": secrets.token_hex(8), "i": code_id}
    if conversation:
        payload["c"] = _conversation_hash(ctx, conversation)
    return str(_serializer(ctx).dumps(payload))


def check_grant(ctx: ServiceContext, token: str | None, purpose: str, conversation: str | None = None) -> Grant:
    """The grant a token carries, if it is genuine, fresh, for `purpose`, asked in this
    conversation (when it was bound to one) and not used before; it is used now.
    Otherwise `VerificationRequired`."""
    if not token or len(token) > 1024:
        raise VerificationRequired()
    try:
        payload = _serializer(ctx).loads(token, max_age=GRANT_TTL_SECONDS)
    except SignatureExpired:
        raise VerificationRequired("验证已过期，请重新获取短信验证码") from None
    except BadSignature:
        raise VerificationRequired() from None
    if not isinstance(payload, dict) or payload.get("u") != purpose or not isinstance(payload.get("p"), str):
        raise VerificationRequired()
    bound = payload.get("c")
    here = _conversation_hash(ctx, conversation) if conversation else ""
    if bound is not None and not hmac.compare_digest(str(bound), here):
        raise VerificationRequired()  # a grant copied out of its conversation
    code_id = payload.get("i")
    if not isinstance(code_id, int):
        raise VerificationRequired()
    with ctx.db.transaction() as session:
        spent = rows_changed(
            session,
            update(OtpCode)
            .where(OtpCode.id == code_id, OtpCode.grant_spent_at.is_(None))
            .values(grant_spent_at=utcnow()),
        )
    if spent != 1:
        raise VerificationRequired("这次验证已经用过了，请重新获取短信验证码")
    return Grant(phone_hash=payload["p"], purpose=purpose)


def purge(ctx: ServiceContext, older_than: timedelta = timedelta(days=2)) -> int:
    """Delete codes past every limit window; safe to run from a periodic task."""
    cutoff = utcnow() - max(older_than, SEND_LIMITS[-1][0])
    with ctx.db.transaction() as session:
        return rows_changed(session, delete(OtpCode).where(OtpCode.created_at < cutoff))
