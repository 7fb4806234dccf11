"""A bot that holds no secrets: placeholders instead of ID numbers, phones and codes.

Rasa keeps every message and slot in its tracker store, for as long as the
store lives. So before a patient's message reaches Rasa, the chat edge
(`turns.py`) replaces an ID number (GB 11643, check digit valid), a mainland
mobile number, and, when the message answers a code question, a one-time code
by a placeholder (`[身份证#k7Q2abcd]`, `[手机#138****5678#k7Q2abcd]`,
`[验证码#k7Q2abcd]`, shared_rules.PLACEHOLDER_IN_TEXT) and keeps the real
value here: encrypted (`chat_secrets`, models/chat_secret.py), bound to the
conversation by a blind index, until `CHAT_SECRET_MINUTES` have passed.

The action server passes the placeholder on to the v1 API with the
conversation's id (`X-Conversation-ID`); the API resolves it for that
conversation only (`resolve_fields`): a placeholder copied into another
conversation, or expired, is refused with a plain Chinese message, so the
bot asks again. A phone's placeholder carries its masked number because the bot
shows it ("验证码已发到 138****5678") and compares it with the number on file;
an ID number's and a code's carry nothing.
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from models import utcnow
from models.chat_secret import ChatSecret
from services.context import ServiceContext
from services.conversation.contexts import CONVERSATION_CONTEXT
from services.errors import InvalidInput
from shared_rules import (
    PLACEHOLDER_IN_TEXT,
    PLACEHOLDER_LABELS,
    id_checksum_ok,
    placeholder_kind,
    placeholder_shown,
)

# An ID number: 17 digits and a digit or X, standing alone (not inside a longer run).
_ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# A mainland mobile, also as typed on a phone: "+86 138 1234 5678", "138-1234-5678".
_PHONE_SHAPE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![0-9A-Za-z])")
# A one-time code: 4 to 8 digits standing alone (results use 4-8, binding 6).
_CODE_SHAPE = re.compile(r"(?<![0-9A-Za-z])\d{4,8}(?![0-9A-Za-z])")
_CODE_WORDS = ("验证码", "校验码", "短信码")
# An 18-character number whose check digit is wrong is still nearly someone's ID number:
# it never reaches Rasa either, and the bot says the number is wrong, as it would have.
BAD_ID_NUMBER = "[身份证号有误]"
CODE_SLOTS = frozenset({"otp_code", "bind_code"})
_TOKEN_ALPHABET = string.ascii_letters + string.digits
_TOKEN_LENGTH = 8


class PlaceholderRefused(InvalidInput):
    """A placeholder of another conversation, expired, or unknown: the bot asks again."""

    message = "这条信息已过期，请重新输入一次"


def _context(kind: str, token: str) -> str:
    """The ciphertext opens only as this placeholder's value (no swapping rows)."""
    return f"chat-secret/{kind}/{token}"


def _conversation_hash(ctx: ServiceContext, conversation_id: str) -> str:
    return ctx.cipher.blind_index(conversation_id, CONVERSATION_CONTEXT)


def might_be_code(text: str) -> bool:
    """A message holding a bare run of 4-8 digits: the edge then asks the dialogue
    whether a code question is open (one short tracker read, only for such messages)."""
    return bool(_CODE_SHAPE.search(text))


def protect(
    ctx: ServiceContext, conversation_id: str, text: str, code_expected: bool = False, now: datetime | None = None
) -> str:
    """The text with every ID number, phone and (when `code_expected`, or the message
    says 验证码) code replaced by a placeholder kept for this conversation."""
    now = now or utcnow()
    kept: list[ChatSecret] = []
    conversation_hash = _conversation_hash(ctx, conversation_id)

    def keep(kind: str, value: str, mask: str = "") -> str:
        token = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(_TOKEN_LENGTH))
        kept.append(
            ChatSecret(
                token=token,
                kind=kind,
                conversation_hash=conversation_hash,
                value_enc=ctx.cipher.encrypt(value, _context(kind, token)),
                created_at=now,
                expires_at=now + timedelta(minutes=ctx.settings.chat_secret_minutes),
            )
        )
        middle = f"{mask}#" if mask else ""
        return f"[{PLACEHOLDER_LABELS[kind]}#{middle}{token}]"

    def id_number(match: re.Match[str]) -> str:
        number = match.group(0).upper()
        return keep("id_number", number) if id_checksum_ok(number) else BAD_ID_NUMBER

    def phone(match: re.Match[str]) -> str:
        number = "".join(match.groups())
        return keep("phone", number, f"{number[:3]}****{number[-4:]}")

    protected = _PHONE_SHAPE.sub(phone, _ID_SHAPE.sub(id_number, text))
    if code_expected or any(word in text for word in _CODE_WORDS):
        protected = _outside_placeholders(protected, lambda part: _CODE_SHAPE.sub(lambda m: keep("code", m[0]), part))
    if kept:
        with ctx.db.transaction() as session:
            session.add_all(kept)
    return protected


def _outside_placeholders(text: str, change: Any) -> str:
    """Apply `change` to the text between placeholders (a token may hold digits)."""
    parts, last = [], 0
    for match in PLACEHOLDER_IN_TEXT.finditer(text):
        parts += [change(text[last : match.start()]), match.group(0)]
        last = match.end()
    return "".join([*parts, change(text[last:])])


def resolve(ctx: ServiceContext, conversation_id: str | None, value: str, now: datetime | None = None) -> str:
    """The real value behind a placeholder made in `conversation_id`; any other value as is.
    Raises PlaceholderRefused for a placeholder of another conversation, expired or unknown."""
    kind = placeholder_kind(value)
    if kind is None:
        return value
    match = PLACEHOLDER_IN_TEXT.fullmatch(value.strip())
    assert match is not None
    token = match.group(3)
    if not conversation_id:
        raise PlaceholderRefused()
    with ctx.db.reading() as session:
        row = session.scalars(
            select(ChatSecret).where(
                ChatSecret.token == token,
                ChatSecret.kind == kind,
                ChatSecret.conversation_hash == _conversation_hash(ctx, conversation_id),
                ChatSecret.expires_at > (now or utcnow()),
            )
        ).first()
    if row is None:
        raise PlaceholderRefused()
    return ctx.cipher.decrypt(row.value_enc, _context(kind, token))


RESOLVED_FIELDS = ("id_number", "phone", "code")


def resolve_fields(ctx: ServiceContext, data: dict[str, Any], conversation_id: str | None) -> dict[str, Any]:
    """A request body with its placeholders (in `id_number`, `phone`, `code`) resolved."""
    resolved = dict(data)
    for field in RESOLVED_FIELDS:
        value = data.get(field)
        if isinstance(value, str) and placeholder_kind(value) is not None:
            resolved[field] = resolve(ctx, conversation_id, value)
    return resolved


def shown(text: str) -> str:
    """A bot answer as the patient may see it (Rasa never had the value to echo)."""
    return placeholder_shown(text)


def purge_expired(ctx: ServiceContext, now: datetime | None = None) -> int:
    """Remove every value whose placeholder has expired: past it nothing may resolve it."""
    with ctx.db.transaction() as session:
        result: Any = session.execute(delete(ChatSecret).where(ChatSecret.expires_at <= (now or utcnow())))
        return int(result.rowcount or 0)
