"""The staff console at `/console`: server-rendered pages in Chinese.

Pages of this package and of the training work share `console/base.html`, the
`require_role` decorator and `current_staff()` from `web.console.auth`, and the
CSRF check that runs before every POST here (`web.console.csrf`).
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from web.extensions import limiter

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
    cli_group=None,  # `flask --app app create-admin`, not `flask console create-admin`
)
# Staff of a whole hospital may share one address: the console is limited per account
# (services/staff/throttle.py) and its login per IP, not by the public per-IP default.
limiter.exempt(bp)


@bp.record_once
def _session_cookie(state: BlueprintSetupState) -> None:
    """The console's session cookie: signed with SECRET_KEY, HttpOnly, SameSite=Lax,
    Secure in production (where the console is served over HTTPS only)."""
    settings = state.app.config["SETTINGS"]
    state.app.config.update(
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
    )


from web.console import (  # noqa: E402,F401  (routes register on import)
    audit,
    auth,
    cli,
    handoffs,
    pages,
    password,
    refills,
    staff_admin,
    teaching,
    teaching_models,
    teaching_triage,
    triage_try,
    window_binding,
)
