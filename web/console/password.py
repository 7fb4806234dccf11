"""Changing one's own password; the only page reachable while a password an
administrator chose (a new account, a reset) is still in use."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from services.errors import DomainError
from services.staff import passwords
from web.console import bp
from web.console.auth import current_staff, require_role, staff_context
from web.error_status import status_for


@bp.get("/password")
@require_role()
def password() -> ResponseReturnValue:
    return render_template("console/password.html")


@bp.post("/password")
@require_role()
def password_submit() -> ResponseReturnValue:
    who = current_staff()
    assert who is not None
    form = request.form
    try:
        passwords.change_own_password(
            staff_context(),
            who.id,
            form.get("current", "")[:200],
            form.get("new", "")[:200],
            form.get("repeat", "")[:200],
        )
    except DomainError as exc:
        return render_template("console/password.html", error=exc.message), status_for(exc)
    flash("密码已修改，下次登录请使用新密码")
    return redirect(url_for("console.home"))
