"""Rasa knows a conversation only by a pseudonym, never by the patient's platform id.

The app's conversation id is `channel:sender`, and for SMS the sender is the
patient's phone number (for WeChat an openid, for Alipay a user id): Rasa's
tracker store keeps its sender id in plaintext, for as long as the conversation
lives. So every call to the dialogue engine names the conversation `c_<32 hex>`,
a keyed HMAC of `channel:sender` under the cipher's blind-index key, and the
message metadata carries the channel alone. The HMAC is deterministic and the
blind-index key never rotates (services/crypto.py), so a conversation keeps its
tracker across restarts and deploys; without the key the pseudonym cannot be
turned back into a phone number, even by trying every mobile number.

The action server gets the pseudonym as Rasa's sender id and passes it to the v1
API (X-Conversation-ID, `conversation_id`, an account's `channel_user_id`); the
API maps it back here (`rasa_senders`: pseudonym -> the conversation, encrypted),
so placeholders, grants, bindings and hand-offs work on the real conversation.
Deleting a conversation ("删除我的数据") deletes its row too: a tracker left over
(Rasa unreachable at that moment) no longer leads to anyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import RasaSender
from services.context import ServiceContext
from services.crypto import FieldCipher
from services.errors import InvalidInput
from shared_rules import RASA_SENDER_PATTERN

_INDEX_CONTEXT = "rasa.sender"
_ROW_CONTEXT = "rasa_senders.conversation"


class UnknownConversation(InvalidInput):
    """A pseudonym the app never gave out, or of a conversation deleted since."""

    message = "这次对话已结束或已删除，请重新开始"


def of(cipher: FieldCipher, conversation_id: str) -> str:
    """The name Rasa knows `channel:sender` by (no database: the red-flag path uses it too)."""
    return "c_" + cipher.blind_index(conversation_id, _INDEX_CONTEXT)[:32]


def remember(ctx: ServiceContext, conversation_id: str, known: bool | None = None) -> str:
    """The pseudonym, recorded so the API can map it back when the action server sends it.
    `known`: whether the row exists, when the turn already read it (turn_state.py)."""
    pseudonym = of(ctx.cipher, conversation_id)
    if known is None:
        with ctx.db.reading() as session:
            known = session.get(RasaSender, pseudonym) is not None
    if known:
        return pseudonym
    try:
        with ctx.db.transaction() as session:
            sealed = ctx.cipher.encrypt(conversation_id, _ROW_CONTEXT)
            session.add(RasaSender(pseudonym=pseudonym, conversation_enc=sealed))
    except IntegrityError:  # another process recorded it first: the same row
        pass
    return pseudonym


def is_pseudonym(value: str) -> bool:
    return bool(RASA_SENDER_PATTERN.fullmatch(value))


def conversation_of(ctx: ServiceContext, value: str) -> str:
    """The conversation (`channel:sender`) behind a pseudonym; any other value as it is
    (a conversation named in full, as Rasa's own test channels and older trackers do).
    Raises UnknownConversation for a pseudonym the app has no conversation for."""
    if not is_pseudonym(value):
        return value
    with ctx.db.reading() as session:
        row = session.get(RasaSender, value)
        sealed = row.conversation_enc if row is not None else None
    if sealed is None:
        raise UnknownConversation()
    return ctx.cipher.decrypt(sealed, _ROW_CONTEXT)


def account_of(ctx: ServiceContext, channel: str, user_id: str) -> tuple[str, str]:
    """(channel, platform id) of a chat account the action server names by its pseudonym."""
    if not is_pseudonym(user_id):
        return channel, user_id
    real_channel, _, sender = conversation_of(ctx, user_id).partition(":")
    if real_channel != channel or not sender:
        raise UnknownConversation()
    return real_channel, sender


def resolved(ctx: ServiceContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """An API request's fields with pseudonyms mapped back: `conversation_id`, an `account`
    object, or a top-level `channel` with `channel_user_id` (a query string)."""
    found = dict(data)
    conversation = found.get("conversation_id")
    if isinstance(conversation, str):
        found["conversation_id"] = conversation_of(ctx, conversation)
    account = found.get("account")
    if isinstance(account, dict):
        found["account"] = _account_fields(ctx, account)
    return _account_fields(ctx, found)


def _account_fields(ctx: ServiceContext, data: dict[str, Any]) -> dict[str, Any]:
    channel, user_id = data.get("channel"), data.get("channel_user_id")
    if not (isinstance(channel, str) and isinstance(user_id, str) and is_pseudonym(user_id)):
        return data
    real_channel, sender = account_of(ctx, channel, user_id)
    return {**data, "channel": real_channel, "channel_user_id": sender}


def forget(session: Session, cipher: FieldCipher, conversations: Iterable[str]) -> int:
    """Delete the mapping rows of these conversations; how many there were."""
    names = [of(cipher, c) for c in conversations]
    if not names:
        return 0
    result: Any = session.execute(delete(RasaSender).where(RasaSender.pseudonym.in_(names)))
    return int(result.rowcount or 0)
