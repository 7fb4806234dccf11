"""What an SMS means before the bot reads it.

A text message is not only a chat: carriers' rules make STOP/退订/TD an opt-out
(and START undo it) whatever else is going on, a number that opted out gets no
answer at all, and "1"/"2" shortly after an appointment reminder answer that
reminder (services/notifications/reminders.py) rather than the bot. Each is kept
in the conversation log first, so the platform's retry of the same message
(its MessageSid again) changes nothing: a replayed START cannot undo a later STOP.
"""

from __future__ import annotations

from integrations.channels.base import keyword
from integrations.messaging import DeliveryFailed
from integrations.rasa.client import BotMessage
from integrations.sms.base import normalise_number
from services.context import ServiceContext
from services.conversation import channel_state
from services.conversation import turns as conversation
from services.conversation.turns import InboundMessage
from services.notifications import reminders

STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "退订", "td", "取消订阅"})
START_WORDS = frozenset({"start", "unstop", "订阅", "恢复"})


def consent_word(text: str) -> str | None:
    """ "opt_out" for STOP/退订/TD…, "opt_in" for START/恢复…, else None."""
    word = keyword(text)
    return "opt_out" if word in STOP_WORDS else "opt_in" if word in START_WORDS else None


def number_key(sender: str) -> str:
    """The sender as the number opt-outs and reminders are kept under."""
    try:
        return normalise_number(sender)
    except DeliveryFailed:
        return sender  # a short code or an odd sender id: kept as given


def before_the_bot(ctx: ServiceContext, message: InboundMessage) -> list[BotMessage] | None:
    """The answer to an SMS the bot must not handle, or None to go on. Raises
    DuplicateDelivery for Twilio's retry of a message already kept."""
    number = number_key(message.sender)
    consent = consent_word(message.text)
    if consent is not None:
        return _consent(ctx, message, number, consent)
    if channel_state.is_opted_out(ctx, number):
        return []  # they said STOP: not even an answer goes back
    if reminders.expects_reply(ctx, number, message.text):
        row_id = conversation.record_inbound(ctx, message)
        answer = reminders.handle_sms_reply(ctx, number, message.text)
        conversation.settle(ctx, row_id, "answered")
        return [BotMessage(answer)]
    return None


def _consent(ctx: ServiceContext, message: InboundMessage, number: str, consent: str) -> list[BotMessage]:
    row_id = conversation.record_inbound(ctx, message)  # first: a replayed capture stops here
    if consent == "opt_out":
        channel_state.opt_out(ctx, number)
    else:
        channel_state.opt_in(ctx, number)
    conversation.settle(ctx, row_id, "answered")
    return [BotMessage(conversation.replies()["sms_stopped" if consent == "opt_out" else "sms_started"])]
