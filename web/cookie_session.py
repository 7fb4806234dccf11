"""Flask's signed cookie session, with its serializer built once per key set (issue 14).

Flask builds an `itsdangerous` serializer on every request that opens the session, before
it even looks for the cookie; building one runs a trial JSON dump (`is_text_serializer`).
The service API and the booking route never carry the console's cookie, so that was pure
cost: about 1-2% of a booking attempt's instructions (docs/benchmarks.md, session 30), and
so was parsing the headers for a cookie that is not there.
The serializer is kept per (secret key, fallbacks); a rotated key makes a new one, so
signing and checking are exactly as Flask's own interface does them.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    """`SecureCookieSessionInterface` whose signing serializer is reused while the keys stay."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._serializers.get(keys)
        if found is None:
            found = super().get_signing_serializer(app)
            assert found is not None
            self._serializers = {keys: found}  # only the current keys are ever asked for
        return found

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """A request without a Cookie header (every service API call) gets the empty session
        Flask would give it, without parsing the headers for cookies first."""
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = CachedSerializerSessionInterface()
