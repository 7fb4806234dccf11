"""Recent conversations for the people who teach the bot: what patients wrote,
how each message was answered, with ID numbers, phones and names masked
(services/conversation/name_masking.py). A reviewer who needs a name sees it in
one message at a time, with a reason that goes to the audit log (`reveal`).

Filters: channel, messages the bot answered with its fallback, conversations
that were handed to a person, and messages the NLU was unsure of: the best
intent's confidence below `REVIEW_LOW_CONFIDENCE` (config.py, 0.6 by default).
Each line shows that intent and its confidence when the chat edge could read
them (services/conversation/turns.py); messages the bot never saw have neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from models import ConversationMessage, HandoffTicket
from services import audit
from services.booking.calendar import SHANGHAI
from services.context import ServiceContext
from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT
from services.conversation.handoff import CHANNELS, mask_sender, mask_text, split_conversation
from services.conversation.name_masking import known_names, mask_names
from services.errors import InvalidInput, NotFound

STATUS_NAMES = {
    "answered": "已回答",
    "fallback": "没听懂",
    "handed_off": "人工处理中",
    "emergency": "急症提示",
    "unanswered": "未回答",
    "received": "处理中",
}


@dataclass(frozen=True)
class ReviewLine:
    id: int
    channel: str
    who: str  # masked sender
    text: str  # masked
    status: str
    at: datetime
    handed_off: bool
    intent: str | None = None
    confidence: float | None = None
    low_confidence: bool = False


def recent(
    ctx: ServiceContext,
    why: str,
    *,
    channel: str | None = None,
    fallback_only: bool = False,
    handoff_only: bool = False,
    low_confidence_only: bool = False,
    limit: int = 200,
) -> list[ReviewLine]:
    why = (why or "").strip()
    if len(why) < 2:
        raise InvalidInput("查看患者对话前请填写查看原因")
    if channel and channel not in CHANNELS:
        raise InvalidInput("渠道应为 web、wechat、alipay 或 sms")
    handed = select(HandoffTicket.conversation_hash)
    query = select(ConversationMessage).order_by(ConversationMessage.id.desc()).limit(limit)
    if channel:
        query = query.where(ConversationMessage.channel == channel)
    if fallback_only:
        query = query.where(ConversationMessage.status == "fallback")
    if handoff_only:
        query = query.where(ConversationMessage.conversation_hash.in_(handed))
    threshold = ctx.settings.review_low_confidence
    if low_confidence_only:
        query = query.where(ConversationMessage.confidence < threshold)
    with ctx.db.transaction() as session:
        rows = session.scalars(query).all()
        hashes = {row.conversation_hash for row in rows}
        with_ticket = set(session.scalars(handed.where(HandoffTicket.conversation_hash.in_(hashes))))
        audit.record(
            ctx,
            session,
            action="conversations.review",
            reason=why[:200],
            detail={
                "channel": channel,
                "fallback": fallback_only,
                "handoff": handoff_only,
                "low_confidence": low_confidence_only,
                "rows": len(rows),
            },
        )
        lines = []
        names: dict[str, list[str]] = {}
        for row in rows:
            channel_name, sender = split_conversation(ctx.cipher.decrypt(row.conversation_enc, CONVERSATION_CONTEXT))
            if row.conversation_hash not in names:
                names[row.conversation_hash] = known_names(session, ctx.cipher, channel_name, sender)
            text = mask_text(ctx.cipher.decrypt(row.text_enc, TEXT_CONTEXT))
            lines.append(
                ReviewLine(
                    row.id,
                    row.channel,
                    mask_sender(sender),
                    mask_names(text, names[row.conversation_hash]),
                    row.status,
                    row.received_at.astimezone(SHANGHAI),
                    row.conversation_hash in with_ticket,
                    row.intent,
                    row.confidence,
                    row.confidence is not None and row.confidence < threshold,
                )
            )
        return lines


def reveal(ctx: ServiceContext, message_id: int, why: str) -> ReviewLine:
    """One message with the names in it shown (numbers stay masked), for a reviewer who
    must know whose message it is; the reveal is audited with its reason."""
    why = (why or "").strip()
    if len(why) < 2:
        raise InvalidInput("显示姓名前请填写原因（至少两个字），它会记入审计日志")
    with ctx.db.transaction() as session:
        row = session.get(ConversationMessage, message_id)
        if row is None:
            raise NotFound("没有找到这条消息")
        _, sender = split_conversation(ctx.cipher.decrypt(row.conversation_enc, CONVERSATION_CONTEXT))
        audit.record(
            ctx,
            session,
            action="conversation.reveal_names",
            subject=f"inbound_messages:{row.id}",
            reason=why[:200],
        )
        return ReviewLine(
            row.id,
            row.channel,
            mask_sender(sender),
            mask_text(ctx.cipher.decrypt(row.text_enc, TEXT_CONTEXT)),
            row.status,
            row.received_at.astimezone(SHANGHAI),
            False,
            row.intent,
            row.confidence,
        )
