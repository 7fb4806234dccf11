"""Staff accounts and their administration: who an account is (`StaffIdentity`,
`StaffRow`), and the changes administrators make (`list_staff`, `create_staff`,
`unlock`, `set_active`, `set_roles`, `reset_totp`).

Each change needs a reason and is audited with it, only an active admin may make
it (checked here, not only by the page), and no change may leave the console
without an active admin. Passwords and codes live in `credentials`, lockouts in
`throttle`, logging in and sessions in `sessions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import rows_changed
from models import LoginThrottle, StaffAccount, StaffSession, utcnow
from models.staff import ROLES
from services import audit
from services.context import ServiceContext
from services.errors import Conflict, DomainError, InvalidInput, NotFound
from services.staff import throttle
from services.staff.credentials import (
    TOTP_CONTEXT,
    check_password_strength,
    hash_password,
    provisioning_uri,
    username_key,
)

USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{2,39}$")


class NotAnAdmin(DomainError):
    code, message = "forbidden", "只有管理员可以管理工作人员账号"


class LastAdmin(Conflict):
    code = "last_admin"
    message = "这样改完就没有可用的管理员了。请先给另一位同事管理员角色，再停用或调整这个账号。"


@dataclass(frozen=True)
class StaffIdentity:
    """The logged-in staff member, as the console sees them."""

    id: str
    username: str
    display_name: str
    roles: frozenset[str]
    must_change_password: bool = False  # an administrator chose it: the console asks for a new one first

    @property
    def actor(self) -> str:
        return f"staff:{self.id}"


@dataclass(frozen=True)
class NewStaff:
    """A new account, or a new second factor: the secret is shown once, then only its cipher is kept."""

    id: str
    username: str
    totp_secret: str
    provisioning_uri: str


@dataclass(frozen=True)
class StaffRow:
    """One account as the administrators' page lists it."""

    id: str
    username: str
    display_name: str
    roles: frozenset[str]
    active: bool
    locked_until: datetime | None  # the username is locked out until then (failed logins)
    last_login_at: datetime | None
    created_at: datetime


# --- administration -----------------------------------------------------------------


def _check_roles(roles: tuple[str, ...] | list[str]) -> list[str]:
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise InvalidInput(f"角色必须是：{', '.join(ROLES)}")
    return list(dict.fromkeys(roles))


def create_staff(
    ctx: ServiceContext,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: tuple[str, ...] | list[str],
    totp_secret: str | None = None,
    reason: str | None = None,
) -> NewStaff:
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput("用户名需以字母开头，3-40位小写字母、数字或 _ . -")
    roles = _check_roles(roles)
    if len(display_name.strip()) > 40:
        raise InvalidInput("显示名称最多40个字")
    check_password_strength(password, username)
    secret = totp_secret or pyotp.random_base32()
    with ctx.db.transaction() as session:
        _require_admin(session, ctx)
        if session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
            raise Conflict("这个用户名已经存在")
        account = StaffAccount(
            username=username,
            display_name=display_name.strip() or username,
            password_hash=hash_password(password),
            totp_secret_enc=ctx.cipher.encrypt(secret, TOTP_CONTEXT),
            totp_last_step=0,
            roles=",".join(roles),
            # An administrator typed it (the console); the CLI and the seed set their own.
            must_change_password=ctx.actor.startswith("staff:"),
        )
        session.add(account)
        session.flush()
        audit.record(
            ctx,
            session,
            action="staff.create",
            subject=account.id,
            reason=reason,
            detail={"username": username, "roles": roles},
        )
        staff_id = account.id
    return NewStaff(staff_id, username, secret, provisioning_uri(secret, username))


def check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("请填写操作原因（至少两个字），它会记入审计日志")
    return reason[:200]


def _require_admin(session: Session, ctx: ServiceContext) -> None:
    """A staff member acting must be an active admin; the CLI and the seed act as themselves."""
    if not ctx.actor.startswith("staff:"):
        return
    account = session.get(StaffAccount, ctx.actor.removeprefix("staff:"))
    if account is None or not account.active or "admin" not in account.role_set:
        raise NotAnAdmin()


def _lock_accounts(session: Session, ctx: ServiceContext, staff_id: str) -> tuple[StaffAccount, list[StaffAccount]]:
    """The account to change and every active one, locked: two admins demoting each
    other at the same moment must not both succeed and leave nobody."""
    _require_admin(session, ctx)
    active = list(session.scalars(select(StaffAccount).where(StaffAccount.active.is_(True)).with_for_update()))
    account = session.scalar(select(StaffAccount).where(StaffAccount.id == staff_id).with_for_update())
    if account is None:
        raise NotFound("没有这个工作人员账号")
    return account, active


def _admins_after(
    active: list[StaffAccount], changed: StaffAccount, *, active_after: bool, roles_after: set[str]
) -> int:
    others = sum(1 for a in active if a.id != changed.id and "admin" in a.role_set)
    return others + (1 if active_after and "admin" in roles_after else 0)


def _end_sessions(session: Session, staff_id: str, now: datetime) -> int:
    return rows_changed(
        session,
        update(StaffSession)
        .where(StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now),
    )


def list_staff(ctx: ServiceContext, now: datetime | None = None) -> list[StaffRow]:
    now = now or utcnow()
    with ctx.db.reading() as session:
        accounts = list(session.scalars(select(StaffAccount).order_by(StaffAccount.username)))
        keys = {username_key(ctx, a.username): a.id for a in accounts}
        throttles = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
        locked = {keys[t.key]: t.locked_until for t in throttles if throttle.is_locked(t, now)}
        return [
            StaffRow(
                a.id,
                a.username,
                a.display_name,
                a.role_set,
                a.active,
                locked.get(a.id),
                a.last_login_at,
                a.created_at,
            )
            for a in accounts
        ]


def get_staff(ctx: ServiceContext, staff_id: str) -> StaffRow:
    found = [row for row in list_staff(ctx) if row.id == staff_id]
    if not found:
        raise NotFound("没有这个工作人员账号")
    return found[0]


def set_active(ctx: ServiceContext, staff_id: str, active: bool, *, reason: str) -> None:
    """Disable (every session ends at once) or enable an account again."""
    reason = check_reason(reason)
    with ctx.db.transaction() as session:
        account, active_accounts = _lock_accounts(session, ctx, staff_id)
        if account.active == active:
            return
        if not active and not _admins_after(active_accounts, account, active_after=False, roles_after=set()):
            raise LastAdmin()
        account.active = active
        ended = 0 if active else _end_sessions(session, account.id, utcnow())
        audit.record(
            ctx,
            session,
            action="staff.enable" if active else "staff.disable",
            subject=account.id,
            reason=reason,
            detail={"username": account.username, "sessions_ended": ended},
        )


def set_roles(ctx: ServiceContext, staff_id: str, roles: tuple[str, ...] | list[str], *, reason: str) -> None:
    """Change what an account may do; it takes effect on its next page."""
    reason = check_reason(reason)
    new_roles = _check_roles(roles)
    with ctx.db.transaction() as session:
        account, active_accounts = _lock_accounts(session, ctx, staff_id)
        before = sorted(account.role_set)
        if set(before) == set(new_roles):
            return
        if not _admins_after(active_accounts, account, active_after=account.active, roles_after=set(new_roles)):
            raise LastAdmin()
        account.roles = ",".join(new_roles)
        audit.record(
            ctx,
            session,
            action="staff.roles",
            subject=account.id,
            reason=reason,
            detail={"username": account.username, "before": before, "after": sorted(new_roles)},
        )


def reset_totp(ctx: ServiceContext, staff_id: str, *, reason: str) -> NewStaff:
    """A new second factor (a lost or replaced phone): the old codes stop working and
    every open session of the account ends; the new secret is returned once."""
    reason = check_reason(reason)
    secret = pyotp.random_base32()
    with ctx.db.transaction() as session:
        account, _ = _lock_accounts(session, ctx, staff_id)
        account.totp_secret_enc = ctx.cipher.encrypt(secret, TOTP_CONTEXT)
        account.totp_last_step = 0
        ended = _end_sessions(session, account.id, utcnow())
        audit.record(
            ctx,
            session,
            action="staff.totp_reset",
            subject=account.id,
            reason=reason,
            detail={"username": account.username, "sessions_ended": ended},
        )
        staff_id, username = account.id, account.username
    return NewStaff(staff_id, username, secret, provisioning_uri(secret, username))


def unlock(ctx: ServiceContext, username: str, *, reason: str) -> None:
    """An administrator lifts a lockout (and the audit log says who and why)."""
    reason = check_reason(reason)
    with ctx.db.transaction() as session:
        _require_admin(session, ctx)
        throttle.clear(session, username_key(ctx, username))
        audit.record(
            ctx,
            session,
            action="staff.unlock",
            subject=username.strip().lower()[:60],
            reason=reason,
        )
