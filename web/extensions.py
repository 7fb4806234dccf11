"""Flask-Limiter, shared by the blueprints. Redis when configured, memory otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from web.context import current_request

if TYPE_CHECKING:
    from services.clinical.triage import RedFlagHit

limiter = Limiter(key_func=get_remote_address)


def patient_key() -> str:
    """Service routes are limited per patient: all patients arrive through a few callers."""
    data = current_request().get_json(silent=True)
    patient = data.get("patient_id") if isinstance(data, dict) else None
    return f"patient:{patient}" if isinstance(patient, str) else f"ip:{get_remote_address()}"


def sender_key() -> str:
    """Public chat is limited per conversation (session and hint, web/chat_session.py) as
    well as per IP: one script, many conversations, one IP."""
    from web import chat_session

    data = request.get_json(silent=True)
    hint = data.get("sender") if isinstance(data, dict) else None
    return f"sender:{chat_session.sender(hint if isinstance(hint, str) else None)}"


def red_flag_message() -> bool:
    """Whether the chat message carries a red flag: such a message is answered whatever
    any limit says, so a script that fills the bucket cannot keep the 120 advice from anyone."""
    data = request.get_json(silent=True)
    text = data.get("message") if isinstance(data, dict) else None
    return isinstance(text, str) and len(text) <= 2000 and bool(red_flag_hits(text))


def red_flag_hits(text: str) -> list[RedFlagHit]:
    """The edge's red-flag check of this request's message (services/clinical/triage/edge.py),
    worked out once per request: the admission gate, both limits and then the turn itself
    ask it of the same text (half a millisecond or more each). Kept in the request's `g`
    only, with the text it answers for, so no patient's words outlive the request."""
    from services.clinical.triage import default_engine
    from services.clinical.triage.edge import emergency_hits

    cached = g.get("red_flag_hits")
    if cached is None or cached[0] != text:
        cached = (text, emergency_hits(default_engine(), text))
        g.red_flag_hits = cached
    return list(cached[1])
