"""Staff accounts, for administrators: list, create, unlock, disable/enable, change
roles, reset the second factor. Every form carries a reason that goes to the audit
log with the change; the rules (admin only, never leave the console without an
admin) are checked again in services/staff/accounts.py.

A TOTP secret is shown exactly once, in the answer to the POST that made it: never
through a redirect and a flash message, which would put it in the session cookie.
"""

from __future__ import annotations

from collections.abc import Callable

import segno
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from models.staff import ROLES
from services.errors import DomainError
from services.staff import accounts as staff
from services.staff import passwords
from services.staff.accounts import NewStaff
from web.console import bp
from web.console.auth import current_staff, require_role, staff_context
from web.error_status import status_for


def _form(name: str, limit: int = 200) -> str:
    return request.form.get(name, "")[:limit].strip()


def _roles() -> list[str]:
    return [role for role in request.form.getlist("roles") if role in ROLES]


def _secret_page(created: NewStaff, *, new_account: bool) -> ResponseReturnValue:
    """The secret once, as a QR code to scan (an SVG data URI, inline: nothing is
    stored or served elsewhere) and as text to type."""
    qr = segno.make(created.provisioning_uri, error="m").svg_data_uri(scale=5, border=2)
    return render_template("console/staff_secret.html", created=created, new_account=new_account, qr=qr)


@bp.get("/staff")
@require_role("admin")
def staff_list() -> ResponseReturnValue:
    return render_template("console/staff.html", accounts=staff.list_staff(staff_context()), roles=ROLES, form={})


@bp.post("/staff")
@require_role("admin")
def staff_create() -> ResponseReturnValue:
    username, display_name, roles = _form("username", 40), _form("display_name", 40), _roles()
    form = {"username": username, "display_name": display_name, "roles": roles, "reason": _form("reason")}
    try:
        reason = staff.check_reason(_form("reason"))
        created = staff.create_staff(
            staff_context(),
            username=username,
            display_name=display_name,
            password=request.form.get("password", "")[:200],
            roles=roles,
            reason=reason,
        )
    except DomainError as exc:
        accounts = staff.list_staff(staff_context())
        page = render_template("console/staff.html", accounts=accounts, roles=ROLES, form=form, error=exc.message)
        return page, status_for(exc)
    return _secret_page(created, new_account=True)


def _account_page(staff_id: str, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    who = current_staff()
    account = staff.get_staff(staff_context(), staff_id)
    is_me = who is not None and who.id == staff_id
    page = render_template("console/staff_account.html", a=account, roles=ROLES, is_me=is_me, error=error)
    return page, status


@bp.get("/staff/<staff_id>")
@require_role("admin")
def staff_account(staff_id: str) -> ResponseReturnValue:
    return _account_page(staff_id)


def _act(staff_id: str, change: Callable[[], object], done: str) -> ResponseReturnValue:
    """Make the change and go back to the account; a refusal is shown on the account page."""
    try:
        change()
    except DomainError as exc:
        return _account_page(staff_id, exc.message, status_for(exc))
    flash(done)
    return redirect(url_for("console.staff_account", staff_id=staff_id))


@bp.post("/staff/<staff_id>/unlock")
@require_role("admin")
def staff_unlock(staff_id: str) -> ResponseReturnValue:
    username = staff.get_staff(staff_context(), staff_id).username
    return _act(
        staff_id,
        lambda: staff.unlock(staff_context(), username, reason=_form("reason")),
        f"已解除 {username} 的登录锁定",
    )


@bp.post("/staff/<staff_id>/disable")
@require_role("admin")
def staff_disable(staff_id: str) -> ResponseReturnValue:
    return _act(
        staff_id,
        lambda: staff.set_active(staff_context(), staff_id, False, reason=_form("reason")),
        "账号已停用，它的登录会话都已结束",
    )


@bp.post("/staff/<staff_id>/enable")
@require_role("admin")
def staff_enable(staff_id: str) -> ResponseReturnValue:
    return _act(
        staff_id, lambda: staff.set_active(staff_context(), staff_id, True, reason=_form("reason")), "账号已重新启用"
    )


@bp.post("/staff/<staff_id>/roles")
@require_role("admin")
def staff_roles(staff_id: str) -> ResponseReturnValue:
    return _act(
        staff_id,
        lambda: staff.set_roles(staff_context(), staff_id, _roles(), reason=_form("reason")),
        "角色已更新，下次打开页面时生效",
    )


@bp.post("/staff/<staff_id>/totp")
@require_role("admin")
def staff_reset_totp(staff_id: str) -> ResponseReturnValue:
    try:
        created = staff.reset_totp(staff_context(), staff_id, reason=_form("reason"))
    except DomainError as exc:
        return _account_page(staff_id, exc.message, status_for(exc))
    return _secret_page(created, new_account=False)


@bp.post("/staff/<staff_id>/password")
@require_role("admin")
def staff_reset_password(staff_id: str) -> ResponseReturnValue:
    """A new password chosen by the admin: every session of the account ends at once,
    and its owner must replace it at the next login."""
    return _act(
        staff_id,
        lambda: passwords.reset_password(
            staff_context(), staff_id, request.form.get("password", "")[:200], reason=_form("reason")
        ),
        "密码已重置，这个账号的所有登录会话都已结束；本人下次登录时需要改成自己的新密码",
    )
