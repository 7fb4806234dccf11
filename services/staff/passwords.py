"""Passwords after the account exists: an administrator resets one (every session of
the account ends, and the owner must choose a new one at the next login), and the
owner changes their own (required whenever an administrator chose the current one,
so no password an administrator typed stays in use)."""

from __future__ import annotations

from sqlalchemy import select

from models import StaffAccount, utcnow
from services import audit
from services.context import ServiceContext
from services.errors import InvalidInput, NotFound
from services.staff.accounts import _end_sessions, _lock_accounts, check_reason
from services.staff.credentials import check_password_strength, hash_password, verify_password


def reset_password(ctx: ServiceContext, staff_id: str, new_password: str, *, reason: str) -> int:
    """An administrator sets a new password (a forgotten one, a suspected leak): every
    open session of the account ends, and it must be changed at the next login.
    Returns how many sessions ended."""
    reason = check_reason(reason)
    with ctx.db.transaction() as session:
        account, _ = _lock_accounts(session, ctx, staff_id)
        check_password_strength(new_password, account.username)
        account.password_hash = hash_password(new_password)
        account.must_change_password = True
        ended = _end_sessions(session, account.id, utcnow())
        audit.record(
            ctx,
            session,
            action="staff.password_reset",
            subject=account.id,
            reason=reason,
            detail={"username": account.username, "sessions_ended": ended},
        )
        return ended


def change_own_password(ctx: ServiceContext, staff_id: str, current: str, new: str, repeated: str) -> None:
    """The owner replaces their password: the current one proves it is them."""
    if new != repeated:
        raise InvalidInput("两次输入的新密码不一致")
    with ctx.db.transaction() as session:
        account = session.scalar(select(StaffAccount).where(StaffAccount.id == staff_id).with_for_update())
        if account is None or not account.active:
            raise NotFound("没有这个工作人员账号")
        if not verify_password(account.password_hash, current):
            raise InvalidInput("当前密码不正确")
        if current == new:
            raise InvalidInput("新密码不能和当前密码相同")
        check_password_strength(new, account.username)
        account.password_hash = hash_password(new)
        account.must_change_password = False
        audit.record(ctx, session, action="staff.password_change")
