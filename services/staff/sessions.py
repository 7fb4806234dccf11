"""Logging in and console sessions, with idle and absolute timeouts.

A login attempt always costs one argon2 verification and one TOTP check, against
a dummy hash and secret when the username is unknown, and every failure raises
the same `LoginFailed`: an attacker learns nothing from the answer or its timing
about which usernames exist. Only the hash of a session token is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import rows_changed
from models import LoginThrottle, StaffAccount, StaffSession, utcnow
from services import audit
from services.context import ServiceContext
from services.errors import DomainError
from services.staff import throttle
from services.staff.accounts import StaffIdentity
from services.staff.credentials import TOTP_CONTEXT, dummy_secret, totp_step, username_key, verify_password

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=8)
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often


class LoginFailed(DomainError):
    """Wrong name, password or code, an inactive or a locked account: one answer for all."""

    code = "login_failed"
    message = "登录失败：用户名、密码或动态验证码不正确。连续失败多次后将暂时锁定，请稍后再试或联系管理员。"


def authenticate(
    ctx: ServiceContext, username: str, password: str, code: str, ip: str, now: datetime | None = None
) -> tuple[StaffIdentity, str]:
    """Check all three factors; return who it is and a new session token, or raise."""
    now = now or utcnow()
    account_key, ip_key = username_key(ctx, username), throttle.ip_key(ip)
    if throttle.ip_locked(ctx, ip, now):
        raise throttle.TooManyAttempts()
    with ctx.db.reading() as session:
        account = session.scalar(select(StaffAccount).where(StaffAccount.username == username.strip().lower()))
        account_locked = throttle.is_locked(session.get(LoginThrottle, account_key), now)
    password_ok = verify_password(account.password_hash if account else None, password)
    secret = ctx.cipher.decrypt(account.totp_secret_enc, TOTP_CONTEXT) if account else dummy_secret()
    step = totp_step(secret, code, now, account.totp_last_step if account else 0)
    if account is None or not account.active or account_locked or not password_ok or step is None:
        with ctx.db.transaction() as session:
            throttle.count_failure(session, account_key, throttle.ACCOUNT_MAX_FAILURES, now)
            throttle.count_failure(session, ip_key, throttle.IP_MAX_FAILURES, now)
            audit.record(
                ctx,
                session,
                actor=f"staff:{account.id}" if account else "anonymous",
                action="staff.login_failed",
                detail={"ip": ip, "locked": account_locked},
            )
        raise LoginFailed()
    token = secrets.token_urlsafe(32)
    with ctx.db.transaction() as session:
        if not _spend_step(session, account.id, step, now):  # the same code used twice at once
            raise LoginFailed()
        row = session.get(StaffAccount, account.id)
        assert row is not None
        throttle.clear(session, account_key)
        session.add(
            StaffSession(token_hash=_token_hash(token), staff_id=row.id, created_at=now, last_seen_at=now, ip=ip)
        )
        audit.record(ctx, session, actor=f"staff:{row.id}", action="staff.login", detail={"ip": ip})
        identity = _identity(row)
    return identity, token


def _spend_step(session: Session, account_id: str, step: int, now: datetime) -> bool:
    """Record `step` as the last one used, only if it is later than the stored one. One
    conditional UPDATE, so on PostgreSQL a second login with the same code waits for the
    first's row lock, then finds the condition false: a read-then-write would let both in."""
    return (
        rows_changed(
            session,
            update(StaffAccount)
            .where(StaffAccount.id == account_id, StaffAccount.totp_last_step < step)
            .values(totp_last_step=step, last_login_at=now),
        )
        == 1
    )


def _identity(account: StaffAccount) -> StaffIdentity:
    return StaffIdentity(
        account.id, account.username, account.display_name, account.role_set, account.must_change_password
    )


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
        audit.record(ctx, session, actor=f"staff:{row.staff_id}", action=f"staff.{why}")
