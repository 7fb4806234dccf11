"""The privacy journeys at the chat edge: consent, "查看我的数据", "删除我的数据", "窗口绑定".

Recognised here, deterministically, like the SMS 退订 commands (sms_replies.py) and
not by the NLU: a patient asking what is held about them, or to delete it, must be
understood when Rasa misreads the words or is down, in simplified or traditional
characters. turns.handle_message calls `before_the_bot` after the red-flag check
(clinical safety first) and before the message is kept or passed on, so a message
held back for consent is neither in the conversation log nor in Rasa's tracker.

- "窗口绑定": a one-time code to show at the registration window
  (services/patients/window_binding.py).
- "查看我的数据" / "删除我的数据": a code to the phone on file of the account's own
  patient (services/patients/my_data.py); the code typed back shows what is held
  (masked) or deletes what may be deleted: every trace of every conversation of the
  account (erasure.py: the log, Rasa's tracker, the placeholder vault, hand-offs,
  notifications, pending answers), its bindings, its consent and its chat identities
  (platform ids), and says plainly what the hospital must keep and for how long. Audited.
- Consent (consent.py) for everything else. What the consent question stood in for
  waits (consent_hold.py): after "同意" the held message is replayed to the bot
  (`replay`, the turn's own path) or the form's question is shown, so agreeing costs
  the patient no turn and no place in the form.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from integrations.rasa.client import BotMessage
from models import ChannelIdentity, ConversationMessage
from services import audit
from services.clinical.triage import TriageEngine
from services.context import ServiceContext
from services.conversation import consent, consent_hold, emergency, erasure
from services.conversation.contexts import CONVERSATION_CONTEXT
from services.errors import DomainError
from services.patients import my_data, window_binding
from services.patients.identities import opened
from services.patients.identity import mask_name
from services.patients.otp import OtpWrong
from services.patients.registry import CHANNELS

log = logging.getLogger(__name__)
_CODE = re.compile(r"\d{4,8}")
CODE_KEPT_AS = "[验证码]"
WITHHELD = "[未保存：等待隐私同意]"


@dataclass(frozen=True)
class Sender:
    channel: str
    sender: str

    @property
    def conversation(self) -> str:
        return f"{self.channel}:{self.sender}"


def _words(key: str) -> dict[str, Any]:
    return dict(consent.wording()[key])


def before_the_bot(
    ctx: ServiceContext,
    triage: TriageEngine,
    channel: str,
    sender: str,
    text: str,
    keep: Callable[[str], None],
    replay: Callable[[str], list[BotMessage]] | None = None,
) -> list[BotMessage] | None:
    """The edge's own answer to a privacy command or a message held for consent, or None
    to go on. `keep(text)` keeps the message (as given, or redacted) in the log;
    `replay(text)` answers a held message as a turn of its own, once agreed to."""
    who = Sender(channel, sender)
    if consent.is_command(text, _words("window_binding")["words"]):
        keep(text)
        code = window_binding.issue_code(ctx, channel, sender)
        minutes = str(ctx.settings.window_bind_code_minutes)
        return [BotMessage(_words("window_binding")["code"].format(code=code, minutes=minutes))]
    mine = _words("my_data")
    action = (
        "delete"
        if consent.is_command(text, mine["delete_words"])
        else "view"
        if consent.is_command(text, mine["view_words"])
        else None
    )
    if action is not None:
        keep(text)
        return _start(ctx, who, action)
    is_code, is_cancel = bool(_CODE.fullmatch(text.strip())), consent.is_command(text, mine["cancel_words"], slack=0)
    waiting = my_data.pending(ctx, who.conversation) if is_code or is_cancel else None  # read only when it matters
    if waiting is not None and is_cancel:
        keep(text)
        my_data.close(ctx, who.conversation)
        return [BotMessage(mine["cancelled"])]
    if waiting is not None:
        keep(CODE_KEPT_AS)
        return _confirm(ctx, who, waiting, text.strip())
    if not ctx.settings.privacy_consent_required:
        return None

    def in_emergency() -> bool:
        return emergency.current(ctx, triage, who.conversation) is not None

    gated = consent.gate(ctx, channel, sender, text, in_emergency)
    if gated is None:
        return None
    keep(WITHHELD if consent.answer_word(text) is None else text)
    if gated.outcome == consent.ASKED:
        consent_hold.hold_message(ctx, who.conversation, text)
    elif gated.outcome == consent.GRANTED:
        return _agreed(ctx, who, gated.messages, replay)
    elif gated.outcome in (consent.DECLINED, consent.WITHDRAWN):
        consent_hold.drop(ctx, who.conversation)
    return gated.messages


def _agreed(
    ctx: ServiceContext, who: Sender, thanks: list[BotMessage], replay: Callable[[str], list[BotMessage]] | None
) -> list[BotMessage]:
    """After "同意": the bot's answer to the held message, or the form's question the
    consent question stood in for, at once; the plain thanks when nothing waited."""
    held = consent_hold.take(ctx, who.conversation)
    go_on = consent.say(ctx, "agreed_go_on")
    if held.message is not None and replay is not None:
        return [go_on, *replay(held.message)]
    if held.replies:
        return [go_on, *held.replies]
    return thanks


def after_the_bot(ctx: ServiceContext, channel: str, sender: str, replies: list[BotMessage]) -> list[BotMessage]:
    """The bot's answer, unless it asks for health or identity information before the
    patient agreed: then the consent question (or, after 不同意, what it can still do)."""
    if not ctx.settings.privacy_consent_required or not any(consent.asks_sensitive(r.text) for r in replies):
        return replies
    current = consent.decision(ctx, channel, sender)
    if current == consent.GRANTED:
        return replies
    if current not in (consent.DECLINED, consent.WITHDRAWN):  # shown after "同意": the form goes on where it was
        consent_hold.hold_replies(ctx, Sender(channel, sender).conversation, replies)
    return consent.question(ctx, channel, sender, current)


def _command_name(action: str) -> str:
    return "删除我的数据" if action == "delete" else "查看我的数据"


def _start(ctx: ServiceContext, who: Sender, action: str) -> list[BotMessage]:
    """Verified patients get a code first; an account with none is only a conversation."""
    mine = _words("my_data")
    account = my_data.account_id(ctx, who.channel, who.sender)
    try:
        phone = my_data.start(ctx, account, who.conversation, action) if account else None
    except DomainError as exc:  # too many codes lately
        return [BotMessage(mine["code_failed"].format(reason=exc.message, command=_command_name(action)))]
    if phone is not None:
        return [BotMessage(mine["code_sent"].format(phone=phone))]
    if action == "view":
        return [BotMessage(_unbound_view(ctx, who, account))]
    return [BotMessage(_delete(ctx, who, account))]


def _confirm(ctx: ServiceContext, who: Sender, waiting: str, code: str) -> list[BotMessage]:
    mine = _words("my_data")
    try:
        action = my_data.confirm(ctx, who.conversation, code)
    except OtpWrong as exc:
        return [BotMessage(mine["code_wrong"].format(tries=exc.tries_left))]
    except DomainError as exc:  # expired, used, locked
        my_data.close(ctx, who.conversation)
        return [BotMessage(mine["code_failed"].format(reason=exc.message, command=_command_name(waiting)))]
    account = my_data.account_id(ctx, who.channel, who.sender)
    assert account is not None
    if action == "view":
        return [BotMessage(_view(ctx, who, account))]
    return [BotMessage(_delete(ctx, who, account))]


# --- what is held --------------------------------------------------------------


def _conversations(ctx: ServiceContext, who: Sender, account: str | None) -> list[str]:
    """Every chat conversation of the account (all its channels), this one included."""
    found = {who.conversation}
    if account is not None:
        with ctx.db.reading() as session:
            identities = session.scalars(select(ChannelIdentity).where(ChannelIdentity.account_id == account)).all()
            found |= {f"{i.channel}:{opened(ctx.cipher, i.external_enc)}" for i in identities if i.channel in CHANNELS}
    return sorted(found)


def _hashes(ctx: ServiceContext, conversations: list[str]) -> list[str]:
    return [ctx.cipher.blind_index(c, CONVERSATION_CONTEXT) for c in conversations]


def _message_count(ctx: ServiceContext, conversations: list[str]) -> int:
    with ctx.db.reading() as session:
        rows = session.scalars(
            select(ConversationMessage.id).where(ConversationMessage.conversation_hash.in_(_hashes(ctx, conversations)))
        ).all()
        return len(rows)


def _consent_line(ctx: ServiceContext, who: Sender) -> str:
    state = consent.decision(ctx, who.channel, who.sender)
    words = {consent.GRANTED: "已同意", consent.DECLINED: "未同意", consent.WITHDRAWN: "已撤回"}
    said = words.get(state or "", "尚未询问")
    return str(_words("my_data")["consent_line"]).format(state=f"{said}（版本{consent.version()}）")


def _unbound_view(ctx: ServiceContext, who: Sender, account: str | None) -> str:
    mine = _words("my_data")
    count = _message_count(ctx, _conversations(ctx, who, account))
    line = str(mine["conversation_line"]).format(count=count)
    return str(mine["no_patient_view"]).format(conversation=line, consent=_consent_line(ctx, who))


def _view(ctx: ServiceContext, who: Sender, account: str) -> str:
    mine = _words("my_data")
    lines = [str(mine["view_header"])]
    for item in my_data.held(ctx, account):
        p = item.patient
        relation = "本人" if p.relation == "self" else "家人"
        lines.append(f"【{mask_name(p.name)}（{relation}）】身份证{p.id_number_masked}，手机{p.phone_masked}")
        lines.append(_listing("预约", item.appointments, item.appointment_count))
        lines.append(_listing("检查检验报告", item.reports, item.report_count))
        lines.append(_listing("续方申请", item.refills, item.refill_count))
    count = _message_count(ctx, _conversations(ctx, who, account))
    lines.append(str(mine["conversation_line"]).format(count=count))
    lines.append(_consent_line(ctx, who))
    return "\n".join(lines)


def _listing(label: str, shown: list[str], total: int) -> str:
    if not total:
        return f"{label}：无"
    more = f"等{total}条" if total > len(shown) else f"共{total}条"
    return f"{label}：{'；'.join(shown)}（{more}）"


# --- deleting ------------------------------------------------------------------


def _delete(ctx: ServiceContext, who: Sender, account: str | None) -> str:
    """Delete what may be deleted (services/conversation/erasure.py: the log, Rasa's tracker,
    hand-offs, notifications, pending answers), say what the law keeps; one audit entry with counts."""
    mine = _words("my_data")
    erased = erasure.erase(ctx, _conversations(ctx, who, account))
    bindings = my_data.unbind_all(ctx, account) if account else 0
    consents = consent.forget(ctx, account) if account else 0
    identities = my_data.unlink_identities(ctx, account) if account else 0
    with ctx.db.transaction() as session:
        audit.record(
            ctx,
            session,
            action="privacy.delete",
            subject=f"account:{account}" if account else None,
            detail={
                **asdict(erased),
                "bindings": bindings,
                "consents": consents,
                "identities": identities,
                "kept": ["medical_record", "payments", "audit"],
            },
        )
    if not bindings:
        return str(mine["deleted_no_patient"]).format(messages=erased.messages)
    return f"{str(mine['deleted']).format(messages=erased.messages, bindings=bindings)}\n{mine['kept']}"
