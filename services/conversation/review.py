"""Conversation review: a message the bot misunderstood becomes a training example.

The stored message is decrypted only here, and every digit of an ID number,
a phone number or any other long number is masked before the text goes
anywhere near the training data (which is exported to git and to every Rasa
model). The view of the patient's message is audited like any other.
"""

from __future__ import annotations

import re

from models import ConversationMessage
from services import audit
from services.context import ServiceContext
from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT
from services.conversation.handoff import split_conversation
from services.conversation.name_masking import known_names, mask_names
from services.errors import InvalidInput, NotFound
from services.teaching import training_data as td

# Mainland ID numbers (18 characters, last may be X), mobiles, and any run of 6+ digits
# (landlines, card and order numbers, one-time codes).
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
_LONG_NUMBER = re.compile(r"(?<![0-9])[0-9][0-9\- ]{4,}[0-9](?![0-9])")


def mask_personal_numbers(text: str) -> str:
    """`我的手机13812345678` → `我的手机***********`."""
    masked = _ID_NUMBER.sub(lambda m: "*" * len(m.group()), text)
    return _LONG_NUMBER.sub(lambda m: re.sub(r"[0-9]", "*", m.group()), masked)


def masked_message(ctx: ServiceContext, message_id: int, *, reviewer: str) -> str:
    """The message with its numbers and names masked (the names of the user's own
    patients, and names introduced by a cue such as "我叫")."""
    with ctx.db.transaction() as session:
        row = session.get(ConversationMessage, message_id)
        if row is None:
            raise NotFound("没有这条消息")
        text = ctx.cipher.decrypt(row.text_enc, TEXT_CONTEXT)
        channel, sender = split_conversation(ctx.cipher.decrypt(row.conversation_enc, CONVERSATION_CONTEXT))
        names = known_names(session, ctx.cipher, channel, sender)
        audit.record(
            ctx, session, actor=reviewer, action="conversation.review", subject=f"inbound_messages:{message_id}"
        )
    return mask_names(mask_personal_numbers(text), names)


def example_from_message(
    ctx: ServiceContext, message_id: int, intent: str, *, author: str, comment: str = "", text: str | None = None
) -> int:
    """Add the (masked) message as an example of `intent`; `text` lets the reviewer
    trim it or add entity markup first, and is masked again all the same."""
    original = masked_message(ctx, message_id, reviewer=author)
    example = mask_names(mask_personal_numbers(text if text is not None else original))
    if not example.strip():
        raise InvalidInput("例句不能为空")
    note = comment or f"对话审阅：消息 {message_id}"
    return td.add_example(ctx, "intent", intent, example, author=author, comment=note)
