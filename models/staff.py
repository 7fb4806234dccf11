"""Staff of the hospital who use the console: accounts, their sessions, and the
login throttles that stand between the console and credential stuffing.

Passwords are argon2 hashes; TOTP secrets are FieldCipher tokens. A session
row is found by the SHA-256 of the token in the (signed) cookie, so a copy of
this table cannot be replayed as cookies.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, new_id, utcnow

ROLES = ("admin", "dialogue_editor", "clinician", "pharmacist", "support", "registration")


class StaffAccount(Base):
    __tablename__ = "staff_accounts"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("stf"))
    username: Mapped[str] = mapped_column(String(40), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string
    totp_secret_enc: Mapped[str] = mapped_column(String(200))
    # The last TOTP time step accepted: a code is good once, never replayed.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    roles: Mapped[str] = mapped_column(String(100))  # comma-separated, among ROLES
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An administrator chose the password (new account, reset): the owner must replace
    # it before the console lets them do anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(role for role in self.roles.split(",") if role)


class StaffSession(Base):
    """One login. Ends on logout, after `idle` minutes unused, or `absolute` hours after login."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ip: Mapped[str] = mapped_column(String(45))


class LoginThrottle(Base):
    """Failed logins per key: `account:<blind index of the username>` (whether or not
    the account exists, so unknown and known names behave alike) and `ip:<address>`."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
