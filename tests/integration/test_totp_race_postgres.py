"""One TOTP code, one login, even when two arrive at once on PostgreSQL (issue 11,
weakness 8). Before: the last-step check read the row, compared in Python and wrote
it back, so under READ COMMITTED two logins with the same code could both pass."""

from __future__ import annotations

import threading
from datetime import datetime

import pyotp
import pytest
from sqlalchemy import func, select

from app import build_context
from models import StaffSession, utcnow
from services.context import ServiceContext
from services.staff import sessions
from tests.conftest import settings_for
from tests.console_helpers import PASSWORD, make_staff

LOGINS_AT_ONCE = 6
ROUNDS = 8


def _simultaneous_logins(ctx: ServiceContext, username: str, code: str, now: datetime) -> list[str]:
    """LOGINS_AT_ONCE logins with one code, released together; each says "in" or "refused"."""
    start = threading.Barrier(LOGINS_AT_ONCE)
    outcomes: list[str] = []

    def log_in(n: int) -> None:
        start.wait()
        try:
            sessions.authenticate(ctx, username, PASSWORD, code, f"10.0.0.{n}", now)
            outcomes.append("in")
        except sessions.LoginFailed:
            outcomes.append("refused")

    threads = [threading.Thread(target=log_in, args=(n,)) for n in range(LOGINS_AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(outcomes)


@pytest.mark.postgres
def test_the_same_code_sent_by_simultaneous_logins_opens_one_session(postgres_url: str) -> None:
    ctx = build_context(settings_for(postgres_url))
    try:
        now = utcnow()
        for round_ in range(ROUNDS):  # a fresh account each round: the losers' failures lock none
            username = f"nurse{round_}"
            code = pyotp.TOTP(make_staff(ctx, username, "support")).at(now)
            outcomes = _simultaneous_logins(ctx, username, code, now)
            assert outcomes == ["in"] + ["refused"] * (LOGINS_AT_ONCE - 1), f"round {round_}"
        with ctx.db.reading() as session:
            assert session.scalar(select(func.count()).select_from(StaffSession)) == ROUNDS
    finally:
        ctx.db.dispose()
