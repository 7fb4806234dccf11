"""One platform message, whatever the platform: what it gets, decided here and not
at the web edge.

The edge (web/channels.py) verifies, parses and rate-limits a webhook, then
calls `answer` with the message and its kind. This decides: dropped (an
unsubscribe event), "please type" (a picture), "too long", an SMS the bot must
not read (opt-out, silence after it, a reminder's answer: sms_replies.py), or
the bot's turn (turns.handle_message). Answers that cannot ride on the
webhook's response are kept and pushed by a task (`push_later`).
"""

from __future__ import annotations

import logging

from integrations.rasa.client import BotMessage, DialogueEngine
from services.clinical.triage import TriageEngine
from services.context import ServiceContext
from services.conversation import channel_state, sms_replies
from services.conversation import turns as conversation
from services.conversation.turns import InboundMessage

log = logging.getLogger(__name__)

# The task that pushes a kept answer, per channel that takes pushed answers (tasks/channels.py).
PUSH_TASKS = {"wechat": "channels.deliver_wechat_answer", "alipay": "channels.send_alipay_answer"}


def answer(
    ctx: ServiceContext, engine: DialogueEngine, triage: TriageEngine, message: InboundMessage, kind: str
) -> list[BotMessage]:
    """The replies to one verified platform message (possibly none). `kind` is the
    channel's reading of it: text | welcome | unsupported | ignore. Raises
    DuplicateDelivery for a platform's retry of a message already kept."""
    if kind == "ignore":
        return []
    if message.channel == "sms":
        early = sms_replies.before_the_bot(ctx, message)
        if early is not None:
            return early
    if kind == "unsupported":
        return [BotMessage(conversation.replies()["please_type"])]
    if len(message.text) > conversation.MAX_MESSAGE_CHARS:
        return [BotMessage(conversation.replies()["too_long"])]
    return conversation.handle_message(ctx, engine, triage, message)


def push_later(ctx: ServiceContext, channel: str, recipient: str, text: str) -> int | None:
    """Keep the answer, then queue the task that pushes it. A broker outage leaves the row
    pending for the beat sweep (channel_state.resend_stuck_replies), never lost."""
    if not text:
        return None
    reply_id = channel_state.save_pending_reply(ctx, channel, recipient, text)
    try:
        ctx.tasks.send(PUSH_TASKS[channel], reply_id)
    except Exception:  # a broker outage must not crash the turn; the row is kept
        log.exception("could not queue the channel reply", extra={"reply_id": reply_id, "channel": channel})
    return reply_id
