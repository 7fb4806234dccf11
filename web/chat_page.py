"""The web chat page at `/`: a phone-sized chat for patients, and a simulator for staff."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, make_response, render_template

from services.conversation import turns
from services.hospital_facts import hospital_phone
from web import chat_session

bp = Blueprint("chat_page", __name__)


@bp.get("/")
def chat_page() -> Response:
    """The page, with the chat session's cookie (web/chat_session.py)."""
    settings = current_app.config["SETTINGS"]
    page = render_template(
        "chat.html",
        hospital_name=settings.hospital_name,
        hospital_phone=hospital_phone(settings.hospital_facts_file),
        max_chars=turns.MAX_MESSAGE_CHARS,  # the page says when a message is too long, never cuts it
        too_long=turns.replies()["too_long"],
    )
    return chat_session.refresh(make_response(page))
