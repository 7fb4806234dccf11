"""Staff accounts: passwords (argon2), the second factor (TOTP), login throttling
and lockout, and console sessions with idle and absolute timeouts.

A login attempt always costs one argon2 verification and one TOTP check, against
a dummy hash and secret when the username is unknown, and every failure raises
the same `LoginFailed`: an attacker learns nothing from the answer or its timing
about which usernames exist. The per-account counter is keyed by the username's
blind index, not the account row, so an unknown username locks exactly as a
known one does. The per-IP counter stops one address trying many usernames.

Administrators manage the accounts (`list_staff`, `create_staff`, `unlock`,
`set_active`, `set_roles`, `reset_totp`): each change needs a reason and is
audited with it, only an active admin may make it (checked here, not only by
the page), and no change may leave the console without an active admin.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import rows_changed
from models import LoginThrottle, StaffAccount, StaffSession, utcnow
from models.staff import ROLES
from services import audit
from services.context import ServiceContext
from services.errors import Conflict, DomainError, InvalidInput, NotFound

TOTP_CONTEXT = "staff_accounts.totp_secret"
USERNAME_CONTEXT = "staff_accounts.username"
TOTP_ISSUER = "互联网医院工作台"

ACCOUNT_MAX_FAILURES = 5  # then the username is locked …
IP_MAX_FAILURES = 20  # … or the address
FAILURE_WINDOW = timedelta(minutes=15)  # failures older than this are forgotten
LOCKOUT = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=8)
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often
MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = frozenset(
    {"password", "passw0rd", "123456", "12345678", "123456789", "qwerty", "admin", "letmein", "welcome", "iloveyou"}
)
USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{2,39}$")

_hasher = PasswordHasher()


class LoginFailed(DomainError):
    """Wrong name, password or code, an inactive or a locked account: one answer for all."""

    code, status = "login_failed", 401
    message = "登录失败：用户名、密码或动态验证码不正确。连续失败多次后将暂时锁定，请稍后再试或联系管理员。"


class TooManyAttempts(DomainError):
    code, status, message = "rate_limited", 429, "这台设备登录失败次数过多，请15分钟后再试"


class WeakPassword(InvalidInput):
    code = "weak_password"


class NotAnAdmin(DomainError):
    code, status, message = "forbidden", 403, "只有管理员可以管理工作人员账号"


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


# --- passwords and codes -------------------------------------------------------------


def check_password_strength(password: str, username: str = "") -> None:
    """At least 12 characters, three kinds of character, not the username, not a common password."""
    kinds = sum(bool(re.search(pattern, password)) for pattern in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"密码至少需要{MIN_PASSWORD_LENGTH}个字符")
    if kinds < 3:
        raise WeakPassword("密码需要包含大写字母、小写字母、数字、符号中的至少三类")
    lowered = password.lower()
    if (username and username.lower() in lowered) or lowered in COMMON_PASSWORDS:
        raise WeakPassword("密码不能包含用户名，也不能是常见密码")


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


@cache
def _dummy_secret() -> str:
    return pyotp.random_base32()


def _verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False


def totp_step(secret: str, code: str, now: datetime, after_step: int) -> int | None:
    """The time step `code` belongs to (now, or one step either side for clock drift),
    if it is later than the last accepted one; None otherwise."""
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    found = None
    for step in (current - 1, current, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code.strip()) and step > after_step:
            found = step
    return found


def username_key(ctx: ServiceContext, username: str) -> str:
    return "account:" + ctx.cipher.blind_index(username.strip().lower(), USERNAME_CONTEXT)[:64]


# --- accounts -----------------------------------------------------------------------


def _check_roles(roles: tuple[str, ...] | list[str]) -> list[str]:
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise InvalidInput(f"角色必须是：{', '.join(ROLES)}")
    return list(dict.fromkeys(roles))


def _provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


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
            password_hash=_hasher.hash(password),
            totp_secret_enc=ctx.cipher.encrypt(secret, TOTP_CONTEXT),
            totp_last_step=0,
            roles=",".join(roles),
        )
        session.add(account)
        session.flush()
        audit.record(
            session,
            actor=ctx.actor,
            action="staff.create",
            subject=account.id,
            reason=reason,
            request_id=ctx.request_id,
            detail={"username": username, "roles": roles},
        )
        staff_id = account.id
    return NewStaff(staff_id, username, secret, _provisioning_uri(secret, username))


# --- administration -----------------------------------------------------------------


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
        locked = {keys[t.key]: t.locked_until for t in throttles if _locked(t, now)}
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
            session,
            actor=ctx.actor,
            action="staff.enable" if active else "staff.disable",
            subject=account.id,
            reason=reason,
            request_id=ctx.request_id,
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
            session,
            actor=ctx.actor,
            action="staff.roles",
            subject=account.id,
            reason=reason,
            request_id=ctx.request_id,
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
            session,
            actor=ctx.actor,
            action="staff.totp_reset",
            subject=account.id,
            reason=reason,
            request_id=ctx.request_id,
            detail={"username": account.username, "sessions_ended": ended},
        )
        staff_id, username = account.id, account.username
    return NewStaff(staff_id, username, secret, _provisioning_uri(secret, username))


# --- throttles ----------------------------------------------------------------------


def _throttle(session: Session, key: str) -> LoginThrottle | None:
    return session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())


def _locked(row: LoginThrottle | None, now: datetime) -> bool:
    return row is not None and row.locked_until is not None and row.locked_until > now


def _count_failure(session: Session, key: str, limit: int, now: datetime) -> None:
    row = _throttle(session, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_started_at=now)
        session.add(row)
    if now - row.window_started_at > FAILURE_WINDOW:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + LOCKOUT
        row.failures, row.window_started_at = 0, now


def ip_locked(ctx: ServiceContext, ip: str, now: datetime | None = None) -> bool:
    with ctx.db.reading() as session:
        return _locked(session.get(LoginThrottle, f"ip:{ip}"), now or utcnow())


def unlock(ctx: ServiceContext, username: str, *, reason: str) -> None:
    """An administrator lifts a lockout (and the audit log says who and why)."""
    reason = check_reason(reason)
    with ctx.db.transaction() as session:
        _require_admin(session, ctx)
        row = _throttle(session, username_key(ctx, username))
        if row is not None:
            row.locked_until, row.failures = None, 0
        audit.record(
            session,
            actor=ctx.actor,
            action="staff.unlock",
            subject=username.strip().lower()[:60],
            reason=reason,
            request_id=ctx.request_id,
        )


# --- logging in ---------------------------------------------------------------------


def authenticate(
    ctx: ServiceContext, username: str, password: str, code: str, ip: str, now: datetime | None = None
) -> tuple[StaffIdentity, str]:
    """Check all three factors; return who it is and a new session token, or raise."""
    now = now or utcnow()
    account_key, ip_key = username_key(ctx, username), f"ip:{ip}"
    if ip_locked(ctx, ip, now):
        raise TooManyAttempts()
    with ctx.db.reading() as session:
        account = session.scalar(select(StaffAccount).where(StaffAccount.username == username.strip().lower()))
        account_locked = _locked(session.get(LoginThrottle, account_key), now)
    password_ok = _verify_password(account.password_hash if account else None, password)
    secret = ctx.cipher.decrypt(account.totp_secret_enc, TOTP_CONTEXT) if account else _dummy_secret()
    step = totp_step(secret, code, now, account.totp_last_step if account else 0)
    if account is None or not account.active or account_locked or not password_ok or step is None:
        with ctx.db.transaction() as session:
            _count_failure(session, account_key, ACCOUNT_MAX_FAILURES, now)
            _count_failure(session, ip_key, IP_MAX_FAILURES, now)
            audit.record(
                session,
                actor=f"staff:{account.id}" if account else "anonymous",
                action="staff.login_failed",
                request_id=ctx.request_id,
                detail={"ip": ip, "locked": account_locked},
            )
        raise LoginFailed()
    token = secrets.token_urlsafe(32)
    with ctx.db.transaction() as session:
        row = session.get(StaffAccount, account.id)
        assert row is not None
        if row.totp_last_step >= step:  # the same code used twice at once
            raise LoginFailed()
        row.totp_last_step, row.last_login_at = step, now
        throttle = _throttle(session, account_key)
        if throttle is not None:
            throttle.failures, throttle.locked_until = 0, None
        session.add(
            StaffSession(token_hash=_token_hash(token), staff_id=row.id, created_at=now, last_seen_at=now, ip=ip)
        )
        audit.record(
            session, actor=f"staff:{row.id}", action="staff.login", request_id=ctx.request_id, detail={"ip": ip}
        )
        identity = _identity(row)
    return identity, token


def _identity(account: StaffAccount) -> StaffIdentity:
    return StaffIdentity(account.id, account.username, account.display_name, account.role_set)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def resume_session(ctx: ServiceContext, token: str, now: datetime | None = None) -> StaffIdentity | None:
    """The staff member behind a session token, or None when it ended or timed out."""
    now = now or utcnow()
    with ctx.db.reading() as session:
        row = session.get(StaffSession, _token_hash(token))
        if row is None or row.ended_at is not None:
            return None
        account = session.get(StaffAccount, row.staff_id)
        expired = now - row.last_seen_at > IDLE_TIMEOUT or now - row.created_at > ABSOLUTE_TIMEOUT
        stale = now - row.last_seen_at > TOUCH_EVERY
    if account is None or not account.active or expired:
        end_session(ctx, token, now, why="timeout" if expired else "inactive")
        return None
    if stale:
        with ctx.db.transaction() as session:
            touched = session.get(StaffSession, _token_hash(token))
            if touched is not None:
                touched.last_seen_at = now
    return _identity(account)


def end_session(ctx: ServiceContext, token: str, now: datetime | None = None, why: str = "logout") -> None:
    with ctx.db.transaction() as session:
        row = session.get(StaffSession, _token_hash(token))
        if row is None or row.ended_at is not None:
            return
        row.ended_at = now or utcnow()
        audit.record(session, actor=f"staff:{row.staff_id}", action=f"staff.{why}", request_id=ctx.request_id)


# --- demo staff ---------------------------------------------------------------------

# Development only: docs/console.md lists these so a person can log in on a fresh machine.
DEMO_PASSWORD = "Demo-Console-2026!"  # noqa: S105 - refused in production
DEMO_STAFF = (
    ("admin", "管理员", ("admin",), "JBSWY3DPEHPK3PXPADMINAAAAAAAAAAA"),
    ("editor", "对话编辑", ("dialogue_editor",), "JBSWY3DPEHPK3PXPEDITORAAAAAAAAAA"),
    ("doctor", "周医生", ("clinician",), "JBSWY3DPEHPK3PXPDOCTORAAAAAAAAAA"),
    ("pharmacist", "药师小林", ("pharmacist",), "JBSWY3DPEHPK3PXPPHARMAAAAAAAAAAA"),
    ("support", "客服小王", ("support",), "JBSWY3DPEHPK3PXPSUPPORTAAAAAAAAA"),
)


def seed_demo_staff(ctx: ServiceContext) -> list[str]:
    """One account per role with a known password and TOTP secret; never in production."""
    if ctx.settings.is_production:
        raise Conflict("生产环境不能创建演示账号")
    created = []
    for username, name, roles, secret in DEMO_STAFF:
        with ctx.db.reading() as session:
            if session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
                continue
        create_staff(ctx, username=username, display_name=name, password=DEMO_PASSWORD, roles=roles, totp_secret=secret)
        created.append(username)
    return created
