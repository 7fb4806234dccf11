"""Room under MAX_ACCOUNTS_PER_PHONE for a phone just proven: a lapsed web session's binding.

The cap keeps one phone from being bound to many chat accounts (a scalper's or an
attacker's farm), and nothing used to release a binding but "删除我的数据". A web chat
session lapses after WEB_CHAT_IDLE_MINUTES and every new session is a new chat account
(web/chat_session.py), so a patient who proved their phone on the web on three visits was
refused for good, and the account holding the place could never be reached again: its
signed cookie is past its age, its random id is gone.

So when a binding that has just proven the phone (a spent SMS code, or an ID card at the
window) finds the phone full, the binding of the phone's least recently used account whose
web session has lapsed is released (audited, the patient record untouched) and the new one
takes its place. The protection stays: every new binding still needs the phone's code, the
number bound at any time stays at most the cap, and an account reachable on a stable id
(a WeChat openid, an Alipay user id, an SMS number, the demo's fixed web sender) is never
released this way - only its owner can, with "删除我的数据".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from db import rows_changed
from models import AccountPatient, ChannelIdentity, ConversationMessage, Patient, PhoneBinding, utcnow
from services import audit
from services.context import ServiceContext
from services.conversation.contexts import CONVERSATION_CONTEXT
from services.patients.identities import is_identity, opened

# Channels whose id lives only as long as a session: every new visit is a new account.
SESSION_CHANNELS = ("web",)
# Web senders that are no session: the demo's (services.seed.DEMO_WEB_SENDER, outside
# production only; named here because the seed imports the registry, which imports this).
FIXED_WEB_SENDERS = ("demo",)
# What releasing a binding keeps (the same words as "删除我的数据"'s unbinding).
KEPT = ["medical_record", "appointments", "reports", "refills", "payments"]


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def last_used(ctx: ServiceContext, session: Session, account_id: str) -> datetime | None:
    """When the account's web session last saw a message; None when the account must never
    be released this way: it has a stable id (or no chat identity at all to judge by)."""
    identities = session.scalars(select(ChannelIdentity).where(ChannelIdentity.account_id == account_id)).all()
    chats = [i for i in identities if i.channel != "phone"]
    if not chats or any(i.channel not in SESSION_CHANNELS for i in chats):
        return None
    latest: datetime | None = None
    for identity in chats:
        sender = opened(ctx.cipher, identity.external_enc)
        if sender in FIXED_WEB_SENDERS:  # no session to lapse
            return None
        conversation = ctx.cipher.blind_index(f"{identity.channel}:{sender}", CONVERSATION_CONTEXT)
        said = session.scalar(
            select(func.max(ConversationMessage.received_at)).where(
                ConversationMessage.conversation_hash == conversation
            )
        )
        for moment in (identity.created_at, said):
            if moment is not None and (latest is None or _aware(moment) > latest):
                latest = _aware(moment)
    return latest


def _lapsed_accounts(ctx: ServiceContext, session: Session, hashed_phone: str, keep: str) -> list[tuple[datetime, str]]:
    """The phone's bound accounts whose web session has lapsed, least recently used first.

    A phone's bindings are made for the patients with that phone on file, so the accounts
    linked to those patients are the candidates; the phone identity confirms each."""
    cutoff = utcnow() - timedelta(minutes=ctx.settings.web_chat_idle_minutes)
    accounts = session.scalars(
        select(AccountPatient.account_id)
        .join(Patient, Patient.id == AccountPatient.patient_id)
        .where(Patient.phone_hash == hashed_phone, AccountPatient.account_id != keep)
        .distinct()
    ).all()
    found = []
    for account_id in accounts:
        bound = session.scalar(
            select(ChannelIdentity.id).where(is_identity(ctx.cipher, "phone", f"{hashed_phone}:{account_id}"))
        )
        used = last_used(ctx, session, account_id) if bound is not None else None
        if used is not None and used <= cutoff:
            found.append((used, account_id))
    return sorted(found)


def release_lapsed(ctx: ServiceContext, session: Session, hashed_phone: str, *, for_account: str) -> bool:
    """Release the phone's binding of its least recently used lapsed web account, so
    `for_account` may take the place; whether one was released. Only for a binding that
    has just proven the phone: the caller then claims the freed place as usual."""
    for used, account_id in _lapsed_accounts(ctx, session, hashed_phone, for_account):
        gone = rows_changed(
            session,
            delete(ChannelIdentity)
            .where(is_identity(ctx.cipher, "phone", f"{hashed_phone}:{account_id}"))
            .execution_options(synchronize_session=False),
        )
        if gone != 1:  # another binding released it a moment ago: try the next one
            continue
        patient_ids = session.scalars(
            select(AccountPatient.patient_id)
            .join(Patient, Patient.id == AccountPatient.patient_id)
            .where(AccountPatient.account_id == account_id, Patient.phone_hash == hashed_phone)
        ).all()
        session.execute(
            delete(AccountPatient)
            .where(AccountPatient.account_id == account_id, AccountPatient.patient_id.in_(patient_ids))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(PhoneBinding)
            .where(PhoneBinding.phone_hash == hashed_phone, PhoneBinding.account_count > 0)
            .values(account_count=PhoneBinding.account_count - 1)
        )
        for patient_id in patient_ids:
            audit.record(
                ctx,
                session,
                action="patient.binding_released",
                patient_id=patient_id,
                subject=f"account:{account_id}",
                reason="phone_cap_lapsed_web_session",
                detail={"replaced_by": f"account:{for_account}", "last_used": used.isoformat(), "kept": KEPT},
            )
        return True
    return False
