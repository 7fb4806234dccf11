"""The web channel (`POST /api/v1/chat`): the chat page, staff's simulator and curl."""

from __future__ import annotations

from flask import Response, current_app, jsonify
from pydantic import Field

from integrations.rasa.errors import RasaUnavailable
from services.clinical.triage import default_engine
from services.conversation import handoff, pseudonyms
from services.conversation import turns as conversation
from services.conversation.turns import InboundMessage
from services.errors import DomainError
from services.notifications import web_inbox
from web import chat_session
from web.api import body, bp, query, service_context
from web.api.schemas import Strict
from web.extensions import limiter, red_flag_hits, red_flag_message, sender_key


class ChatIn(Strict):
    # A hint only (web/chat_session.py): the session cookie says whose conversation it is.
    sender: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    # No max_length here: a message that is too long gets its own clear answer (chat()).
    message: str = Field(min_length=1, max_length=20 * conversation.MAX_MESSAGE_CHARS)


class MessageTooLong(DomainError):
    code = "too_long"


@bp.post("/chat")
@limiter.limit(lambda: current_app.config["SETTINGS"].rate_limit_chat_per_ip, exempt_when=red_flag_message)
@limiter.limit(
    lambda: current_app.config["SETTINGS"].rate_limit_chat_per_sender, key_func=sender_key, exempt_when=red_flag_message
)
def chat() -> Response:
    data = body(ChatIn)
    if len(data.message) > conversation.MAX_MESSAGE_CHARS:  # said, never silently cut
        raise MessageTooLong(conversation.replies()["too_long"], limit=conversation.MAX_MESSAGE_CHARS)
    replies = conversation.handle_message(
        service_context(),
        service_context().require_dialogue(),
        default_engine(),
        InboundMessage(channel="web", sender=chat_session.sender(data.sender), text=data.message),
        hits=red_flag_hits(data.message),  # the admission gate asked it already: not worked out twice
    )
    return chat_session.refresh(jsonify({"messages": [reply.as_dict() for reply in replies]}))


class PendingIn(Strict):
    sender: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


@bp.get("/chat/pending")
@limiter.limit(lambda: current_app.config["SETTINGS"].rate_limit_public)
def chat_pending() -> Response:
    """Staff replies in a hand-off that the page has not shown yet, and notices such as a
    paid booking's confirmation (`kind: notice`); `handoff` says whether a person still
    has the conversation (the page polls while it does)."""
    data = query(PendingIn)
    sender = chat_session.sender(data.sender)
    notices = web_inbox.collect(service_context(), sender)
    texts, open_now = handoff.pending_for_web(service_context(), sender)
    messages = [{"text": text, "buttons": [], "kind": "notice"} for text in notices]
    messages += [{"text": text, "buttons": []} for text in texts]
    return chat_session.refresh(jsonify({"messages": messages, "handoff": open_now}))


@bp.get("/chat/history")
@limiter.limit(lambda: current_app.config["SETTINGS"].rate_limit_public)
def chat_history() -> Response:
    """This session's conversation so far, for the page to show again after a reload.
    Read from the dialogue engine's record (Rasa's tracker); when it cannot be read the
    page simply starts afresh."""
    data = query(PendingIn)
    sender = chat_session.sender(data.sender)
    try:
        ctx = service_context()
        lines = ctx.require_dialogue().transcript(pseudonyms.of(ctx.cipher, f"web:{sender}"))
    except RasaUnavailable:
        lines = []
    return chat_session.refresh(
        jsonify({"messages": [line.as_dict() for line in lines], "limit": conversation.MAX_MESSAGE_CHARS})
    )
