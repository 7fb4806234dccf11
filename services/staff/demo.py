"""Demo staff for development: one account per role with a known password and
TOTP secret, so a person can log in on a fresh machine (docs/console.md lists
them). Refused in production."""

from __future__ import annotations

from sqlalchemy import select

from models import StaffAccount
from services.context import ServiceContext
from services.errors import Conflict
from services.staff.accounts import create_staff

DEMO_PASSWORD = "Demo-Console-2026!"  # noqa: S105 - refused in production
DEMO_STAFF = (
    ("admin", "管理员", ("admin",), "JBSWY3DPEHPK3PXPADMINAAAAAAAAAAA"),
    ("editor", "对话编辑", ("dialogue_editor",), "JBSWY3DPEHPK3PXPEDITORAAAAAAAAAA"),
    ("doctor", "周医生", ("clinician",), "JBSWY3DPEHPK3PXPDOCTORAAAAAAAAAA"),
    ("pharmacist", "药师小林", ("pharmacist",), "JBSWY3DPEHPK3PXPPHARMAAAAAAAAAAA"),
    ("support", "客服小王", ("support",), "JBSWY3DPEHPK3PXPSUPPORTAAAAAAAAA"),
    ("window", "挂号窗口小李", ("registration",), "JBSWY3DPEHPK3PXPWINDOWAAAAAAAAAA"),
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
