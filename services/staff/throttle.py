"""Login throttling and lockout, per username and per IP address.

The per-account counter is keyed by the username's blind index, not the account
row, so an unknown username locks exactly as a known one does. The per-IP counter
stops one address trying many usernames. Rows are locked before counting so two
failures at once both count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import LoginThrottle, utcnow
from services.context import ServiceContext
from services.errors import DomainError

ACCOUNT_MAX_FAILURES = 5  # then the username is locked …
IP_MAX_FAILURES = 20  # … or the address
FAILURE_WINDOW = timedelta(minutes=15)  # failures older than this are forgotten
LOCKOUT = timedelta(minutes=15)


class TooManyAttempts(DomainError):
    code, message = "rate_limited", "这台设备登录失败次数过多，请15分钟后再试"


def ip_key(ip: str) -> str:
    return f"ip:{ip}"


def locked_row(session: Session, key: str) -> LoginThrottle | None:
    """The throttle row for `key`, locked for update (None when it has never failed)."""
    return session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())


def is_locked(row: LoginThrottle | None, now: datetime) -> bool:
    return row is not None and row.locked_until is not None and row.locked_until > now


def count_failure(session: Session, key: str, limit: int, now: datetime) -> None:
    """One more failure within the window; the `limit`-th locks the key for `LOCKOUT`."""
    row = locked_row(session, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_started_at=now)
        session.add(row)
    if now - row.window_started_at > FAILURE_WINDOW:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + LOCKOUT
        row.failures, row.window_started_at = 0, now


def clear(session: Session, key: str) -> None:
    """Forget the failures of `key` (a successful login, or an administrator's unlock)."""
    row = locked_row(session, key)
    if row is not None:
        row.failures, row.locked_until = 0, None


def ip_locked(ctx: ServiceContext, ip: str, now: datetime | None = None) -> bool:
    with ctx.db.reading() as session:
        return is_locked(session.get(LoginThrottle, ip_key(ip)), now or utcnow())
