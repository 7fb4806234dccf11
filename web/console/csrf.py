"""CSRF protection for every POST to the console: a random token per session,
kept in the signed session cookie, echoed by each form (or the X-CSRF-Token
header) and compared in constant time."""

from __future__ import annotations

import hmac
import secrets

from flask import request, session

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def token() -> str:
    """This session's token, created on first use (templates call it in every form)."""
    value = session.get(FIELD)
    if not isinstance(value, str):
        value = secrets.token_urlsafe(32)
        session[FIELD] = value
    return value


def rotate() -> str:
    """A new token (and nothing else in the session) after login and logout: no fixation."""
    session.clear()
    session[FIELD] = secrets.token_urlsafe(32)
    return str(session[FIELD])


def valid() -> bool:
    expected = session.get(FIELD)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    return isinstance(expected, str) and hmac.compare_digest(sent.encode(), expected.encode())
