"""Who is using the console, and what they may do.

`require_role(*roles)` guards a view: no session sends the browser to the login
page, a missing role answers 403 (and the attempt is audited). `current_staff()`
is the logged-in `StaffIdentity` or None; `staff_context()` is the service
context acting as them, so every service call audits the right person.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Response, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from services import audit
from services.context import ServiceContext
from services.errors import DomainError
from services.staff import sessions
from services.staff.accounts import StaffIdentity
from services.staff.throttle import TooManyAttempts
from web.console import bp, csrf
from web.context import service_context
from web.error_status import status_for
from web.extensions import limiter

View = TypeVar("View", bound=Callable[..., Any])
SESSION_KEY = "sid"
# A password an administrator chose must be replaced before anything else is reachable.
PASSWORD_ENDPOINTS = ("console.password", "console.password_submit")
ROLE_NAMES = {
    "admin": "管理员",
    "dialogue_editor": "对话编辑",
    "clinician": "医生",
    "pharmacist": "药师",
    "support": "客服",
    "registration": "挂号窗口",
}


def current_staff() -> StaffIdentity | None:
    return cast(StaffIdentity | None, g.get("staff"))


def staff_context() -> ServiceContext:
    who = current_staff()
    return service_context().acting_as(who.actor if who else "anonymous", g.get("request_id"))


def require_role(*roles: str) -> Callable[[View], View]:
    """Logged in, and (when roles are given) holding at least one of them."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            who = current_staff()
            if who is None:
                if request.method == "GET":
                    return redirect(url_for("console.login", next=request.full_path))
                return _page("console/error.html", 401, message="登录已过期，请重新登录")
            if who.must_change_password and request.endpoint not in PASSWORD_ENDPOINTS:
                return redirect(url_for("console.password"))
            if roles and not (who.roles & set(roles)):
                ctx = service_context().acting_as(who.actor, g.get("request_id"))
                with ctx.db.transaction() as db:
                    audit.record(ctx, db, action="staff.forbidden", subject=(request.endpoint or "")[:60])
                return _page("console/error.html", 403, message="您的角色不能访问这个页面")
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorate


def _page(template: str, status: int, **context: Any) -> Response:
    response = current_app.make_response(render_template(template, **context))
    response.status_code = status
    return response


@bp.before_request
def _load_staff() -> ResponseReturnValue | None:
    token = session.get(SESSION_KEY)
    g.staff = sessions.resume_session(service_context(), token) if isinstance(token, str) else None
    if isinstance(token, str) and g.staff is None:
        session.pop(SESSION_KEY, None)
        g.session_expired = True
    if request.method == "POST" and not csrf.valid():
        return _page("console/error.html", 400, message="页面已过期或请求来源不可信，请刷新页面后重试")
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    return response


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {"csrf_token": csrf.token, "current_staff": current_staff, "has_role": has_role, "role_names": ROLE_NAMES}


def has_role(*roles: str) -> bool:
    """Whether the logged-in staff member holds any of `roles` (templates show links by it)."""
    who = current_staff()
    return who is not None and bool(who.roles & set(roles))


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Response:
    return _page("console/error.html", status_for(exc), message=exc.message)


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/") or parts.path.startswith("/console//"):
        return url_for("console.home")
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.get("/login")
def login() -> ResponseReturnValue:
    if current_staff() is not None:
        return redirect(url_for("console.home"))
    expired = g.get("session_expired", False)
    return render_template("console/login.html", message="登录已超时，请重新登录" if expired else None)


@bp.post("/login")
@limiter.limit("60/minute")
def login_submit() -> ResponseReturnValue:
    form = request.form
    ip = request.remote_addr or "unknown"
    try:
        who, token = sessions.authenticate(
            service_context().acting_as("anonymous", g.get("request_id")),
            form.get("username", "")[:80],
            form.get("password", "")[:200],
            form.get("code", "")[:10],
            ip,
        )
    except (sessions.LoginFailed, TooManyAttempts) as exc:
        return _page("console/login.html", status_for(exc), message=exc.message, username=form.get("username", "")[:40])
    csrf.rotate()
    session[SESSION_KEY] = token
    g.staff = who
    return redirect(_safe_next(form.get("next") or request.args.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        sessions.end_session(staff_context(), token)
    csrf.rotate()
    return redirect(url_for("console.login"))
