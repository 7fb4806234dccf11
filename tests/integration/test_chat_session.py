"""Server-issued web chat sessions (issue 11, weakness 4).

Before: the browser invented its own id, kept it in localStorage and sent it
in every poll's query string; the server neither issued nor expired it, and
whoever had it owned that account's patients and staff replies.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from config import ROOT
from models import ConversationMessage
from services.context import ServiceContext
from tests.web_chat import web_sender
from web import chat_session


def set_cookie_header(client: FlaskClient, path: str = "/", **kwargs: object) -> str:
    response = client.get(path, **kwargs)  # type: ignore[arg-type]
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(chat_session.COOKIE + "=")]
    return header


def test_the_page_issues_an_httponly_lax_cookie_secure_off_loopback(client: FlaskClient) -> None:
    header = set_cookie_header(client)
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Max-Age=1800" in header
    assert "Secure" not in header  # plain http to 127.0.0.1/localhost in development only
    assert "Secure" in set_cookie_header(client, base_url="http://chat.example.org")
    assert "Secure" in set_cookie_header(client, base_url="https://chat.example.org")


def test_the_id_is_128_random_bits_signed_by_the_server(app: Flask, client: FlaskClient) -> None:
    client.get("/")
    cookie = client.get_cookie(chat_session.COOKIE)
    assert cookie is not None
    with app.test_request_context(headers={"Cookie": f"{chat_session.COOKIE}={cookie.value}"}):
        sid = chat_session.session_id()
    assert re.fullmatch(r"[0-9a-f]{32}", sid)
    forged = app.test_client()
    forged.set_cookie(chat_session.COOKIE, sid)  # the bare id, unsigned: worthless
    forged.post("/api/v1/chat", json={"message": "你好"})
    assert web_sender(app, forged) != web_sender(app, client)


def test_a_copied_sender_reaches_nobody_elses_conversation(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    victim, attacker = client, app.test_client()
    victim.post("/api/v1/chat", json={"sender": "w123", "message": "你好"})
    attacker.post("/api/v1/chat", json={"sender": "w123", "message": "你好"})
    assert web_sender(app, victim, "w123") != web_sender(app, attacker, "w123")
    with ctx.db.reading() as session:
        conversations = set(session.scalars(select(ConversationMessage.conversation_hash)))
    assert len(conversations) == 2
    assert attacker.get("/api/v1/chat/pending?sender=w123").json == {"messages": [], "handoff": False}


def test_an_idle_session_lapses_and_a_used_one_is_renewed(app: Flask, client: FlaskClient) -> None:
    start = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.post("/api/v1/chat", json={"message": "你好"})
        first = web_sender(app, client)
        clock.shift(timedelta(minutes=25))
        client.get("/api/v1/chat/pending")  # in use: the idle clock starts again
        clock.shift(timedelta(minutes=25))
        client.post("/api/v1/chat", json={"message": "你好"})
        assert web_sender(app, client) == first
        clock.shift(timedelta(minutes=31))
        client.post("/api/v1/chat", json={"message": "你好"})
        assert web_sender(app, client) != first


def test_the_page_keeps_no_id_and_puts_none_in_urls() -> None:
    script = (ROOT / "web" / "static" / "chat.js").read_text(encoding="utf-8")
    assert "localStorage.setItem" not in script and "Math.random" not in script
    assert "?sender" not in script and "sender:" not in script


def test_the_demo_account_is_reachable_outside_production_only(app: Flask) -> None:
    from web import chat_session

    with app.test_request_context("/api/v1/chat", method="POST"):
        assert chat_session.sender("demo") == "demo"  # the seeded demo web account (development, test)
    production = app.config["SETTINGS"].model_copy(update={"app_env": "production"})
    app.config["SETTINGS"] = production
    with app.test_request_context("/api/v1/chat", method="POST"):
        assert chat_session.sender("demo") != "demo"
