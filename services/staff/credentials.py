"""Staff credentials: password rules and hashing (argon2), the second factor (TOTP)
and the blind index that names a username without storing it in the clear.

Verification always does the full work, against a dummy hash and secret when the
username is unknown, so timing says nothing about which usernames exist.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from functools import cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.context import ServiceContext
from services.errors import InvalidInput

TOTP_CONTEXT = "staff_accounts.totp_secret"
USERNAME_CONTEXT = "staff_accounts.username"
TOTP_ISSUER = "互联网医院工作台"

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = frozenset(
    {"password", "passw0rd", "123456", "12345678", "123456789", "qwerty", "admin", "letmein", "welcome", "iloveyou"}
)

_hasher = PasswordHasher()


class WeakPassword(InvalidInput):
    code = "weak_password"


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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


@cache
def dummy_secret() -> str:
    """A TOTP secret to check codes against when the username is unknown (same cost)."""
    return pyotp.random_base32()


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches; with no stored hash, a dummy one costs the same and fails."""
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


def provisioning_uri(secret: str, username: str) -> str:
    """What the authenticator app scans (as a QR code) to learn the secret."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def username_key(ctx: ServiceContext, username: str) -> str:
    """The throttle key of a username: a blind index, so unknown names lock like known ones."""
    return "account:" + ctx.cipher.blind_index(username.strip().lower(), USERNAME_CONTEXT)[:64]
