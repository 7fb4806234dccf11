"""The conversation a test client's web chat talks in (web/chat_session.py derives it
from the session cookie and the sender hint, so tests cannot just name it)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from web import chat_session


def web_sender(app: Flask, client: FlaskClient, hint: str | None = None) -> str:
    """The sender id the server uses for this client's session (after its first chat)."""
    cookie = client.get_cookie(chat_session.COOKIE)
    assert cookie is not None, "the client has no chat session yet: chat first"
    with app.test_request_context(headers={"Cookie": f"{chat_session.COOKIE}={cookie.value}"}):
        return chat_session.sender(hint)


def web_conversation(app: Flask, client: FlaskClient, hint: str | None = None) -> str:
    return f"web:{web_sender(app, client, hint)}"
