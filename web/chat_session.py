"""Server-issued sessions for the web chat (issue 11, weakness 4).

The browser used to invent its own id and send it in every poll's query
string; whoever had it owned that account's patients. Now the server issues
the id: 128 random bits in an HttpOnly, SameSite=Lax cookie (Secure except on
plain http to a loopback host in development), signed with SECRET_KEY and
re-signed on every answer, so it lapses after WEB_CHAT_IDLE_MINUTES without a
message. The `sender` a client sends is only a hint: it picks one of several
conversations inside the same session (staff's simulator, tests), and the
conversation id is derived from both, so a sender copied from elsewhere
reaches nobody's conversation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from services.seed import DEMO_WEB_SENDER

COOKIE = "hospital_chat"
SALT = "hospital/web-chat-session"
_SID = re.compile(r"^[0-9a-f]{32}$")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _idle_seconds() -> int:
    return int(current_app.config["SETTINGS"].web_chat_idle_minutes) * 60


def session_id() -> str:
    """This request's chat session: the cookie's, if genuine and not idle too long, else a new one."""
    sid: str | None = g.get("chat_session_id")
    if sid is not None:
        return sid
    raw = request.cookies.get(COOKIE, "")
    if raw and len(raw) <= 200:
        try:
            loaded = _serializer().loads(raw, max_age=_idle_seconds())
        except BadSignature:
            loaded = None
        if isinstance(loaded, str) and _SID.match(loaded):
            sid = loaded
    g.chat_session_id = sid or secrets.token_hex(16)  # 128 bits from the OS
    return str(g.chat_session_id)


def sender(hint: str | None = None) -> str:
    """The conversation's sender id, derived from the session and the client's hint.

    Outside production only, the hint `demo` reaches the seeded demo web account (张建国
    and his grandson, services/seed.py), so a newcomer and the end-to-end journeys can
    try results and refills; production seeds no demo and never honours it."""
    if hint == DEMO_WEB_SENDER and not current_app.config["SETTINGS"].is_production:
        return DEMO_WEB_SENDER
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"{session_id()}\x00{hint or ''}".encode(), hashlib.sha256).hexdigest()
    return f"w{digest[:31]}"


def _secure() -> bool:
    settings = current_app.config["SETTINGS"]
    host = request.host.rsplit(":", 1)[0] if not request.host.startswith("[") else request.host.split("]")[0] + "]"
    development_loopback = settings.app_env != "production" and host in LOOPBACK_HOSTS and not request.is_secure
    return not development_loopback


def refresh(response: Response) -> Response:
    """Set (or re-sign) the cookie: the idle expiry starts again with every answer."""
    response.set_cookie(
        COOKIE,
        _serializer().dumps(session_id()),
        max_age=_idle_seconds(),
        httponly=True,
        secure=_secure(),
        samesite="Lax",
        path="/",
    )
    return response
