"""Staff login and the console's guards: password + TOTP, lockout per account
and per IP, one answer for unknown and known users, CSRF, session timeouts,
roles, the audit trail, and `flask create-admin`."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta

import pyotp
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from models import utcnow
from services.context import ServiceContext
from services.errors import Conflict
from services.staff import demo, throttle
from tests.console_helpers import PASSWORD, audit_actions, csrf_token, login, make_staff, post


def _client(app: Flask, ip: str = "10.0.0.1") -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _masked(response_text: str, username: str) -> str:
    """The page without what legitimately differs: the echoed name and the session's CSRF token."""
    return re.sub(r'name="csrf_token" value="[^"]+"', "CSRF", response_text.replace(f'value="{username}"', "NAME"))


def test_password_and_totp_log_in_and_the_home_page_shows_the_roles(app: Flask, ctx: ServiceContext) -> None:
    secret = make_staff(ctx, "doc", "clinician")
    client = _client(app)
    assert client.get("/console/").status_code == 302  # not logged in: to the login page
    response = login(client, "doc", secret)
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = client.get("/console/").get_data(as_text=True)
    assert "续方审核" in page and "医生" in page and "转人工" in page and "对话回看" not in page
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # Secure in production


def test_the_second_factor_is_required_and_a_code_is_good_once(app: Flask, ctx: ServiceContext) -> None:
    secret = make_staff(ctx, "doc", "clinician")
    assert login(_client(app), "doc", secret, code="").status_code == 401
    assert (
        login(
            _client(app), "doc", secret, code="000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
        ).status_code
        == 401
    )
    assert login(_client(app), "doc", None, code=pyotp.TOTP(pyotp.random_base32()).now()).status_code == 401
    code = pyotp.TOTP(secret).now()
    assert login(_client(app), "doc", secret, code=code).status_code == 302
    assert login(_client(app), "doc", secret, code=code).status_code == 401  # replayed


def test_unknown_and_known_users_get_the_same_answer_in_similar_time(app: Flask, ctx: ServiceContext) -> None:
    make_staff(ctx, "nurse", "support")
    known = login(_client(app, "10.0.0.2"), "nurse", None, password="Wrong-password-1")
    unknown = login(_client(app, "10.0.0.3"), "nobody", None, password="Wrong-password-1")
    assert known.status_code == unknown.status_code == 401
    assert _masked(known.get_data(as_text=True), "nurse") == _masked(unknown.get_data(as_text=True), "nobody")

    def timed(username: str, ip: str) -> float:
        started = time.perf_counter()
        login(_client(app, ip), username, None, password="Wrong-password-1")
        return time.perf_counter() - started

    known_times = [timed("nurse", f"10.1.0.{i}") for i in range(4)]
    unknown_times = [timed(f"ghost{i}", f"10.2.0.{i}") for i in range(4)]
    ratio = statistics.median(known_times) / statistics.median(unknown_times)
    assert 0.5 < ratio < 2.0, (known_times, unknown_times)  # both pay one argon2 verification


def test_five_failures_lock_the_account_for_everyone_and_alike_for_unknown_names(
    app: Flask, ctx: ServiceContext
) -> None:
    secret = make_staff(ctx, "doc", "clinician")
    for i in range(throttle.ACCOUNT_MAX_FAILURES):
        assert login(_client(app, f"10.3.0.{i}"), "doc", secret, password="Wrong-password-1").status_code == 401
    locked = login(_client(app, "10.3.1.1"), "doc", secret)  # right password and code, other address
    assert locked.status_code == 401 and "登录失败" in locked.get_data(as_text=True)
    for i in range(throttle.ACCOUNT_MAX_FAILURES):
        login(_client(app, f"10.4.0.{i}"), "ghost", None, password="Wrong-password-1")
    ghost = login(_client(app, "10.4.1.1"), "ghost", None)
    assert _masked(ghost.get_data(as_text=True), "ghost") == _masked(locked.get_data(as_text=True), "doc")
    # After the lockout the right credentials work again.
    with time_machine.travel(utcnow() + throttle.LOCKOUT + timedelta(seconds=31), tick=True):
        assert login(_client(app, "10.3.1.2"), "doc", secret).status_code == 302


def test_twenty_failures_from_one_address_block_it_for_every_username(app: Flask, ctx: ServiceContext) -> None:
    secret = make_staff(ctx, "doc", "clinician")
    client = _client(app, "10.9.9.9")
    for i in range(throttle.IP_MAX_FAILURES):
        assert login(client, f"user{i}", None, password="Wrong-password-1").status_code == 401
    blocked = login(client, "doc", secret)
    assert blocked.status_code == 429 and "15分钟" in blocked.get_data(as_text=True)
    assert login(_client(app, "10.9.9.10"), "doc", secret).status_code == 302  # another address is fine


def test_every_post_needs_the_sessions_csrf_token(app: Flask, ctx: ServiceContext) -> None:
    secret = make_staff(ctx, "doc", "clinician")
    client = _client(app)
    data = {"username": "doc", "password": PASSWORD, "code": pyotp.TOTP(secret).now()}
    assert client.post("/console/login", data=data).status_code == 400
    csrf_token(client)
    assert client.post("/console/login", data={**data, "csrf_token": "forged"}).status_code == 400
    assert login(client, "doc", secret).status_code == 302
    assert client.post("/console/logout").status_code == 400  # no token
    assert client.get("/console/").status_code == 200
    assert post(client, "/console/logout").status_code == 302
    assert client.get("/console/").status_code == 302


def test_sessions_end_after_30_idle_minutes_and_8_hours_in_all(app: Flask, ctx: ServiceContext) -> None:
    secret = make_staff(ctx, "doc", "clinician")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        client = _client(app)
        assert login(client, "doc", secret).status_code == 302
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/console/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        assert client.get("/console/").status_code == 302

    other = _client(app, "10.0.0.7")
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert login(other, "doc", secret).status_code == 302
    for minutes in range(20, 8 * 60, 20):  # busy all day, never idle
        with time_machine.travel(start + timedelta(hours=1, minutes=minutes), tick=False):
            assert other.get("/console/").status_code == 200
    with time_machine.travel(start + timedelta(hours=9, minutes=1), tick=False):
        assert other.get("/console/").status_code == 302
    actions = [e.action for e in audit_actions(ctx)]
    assert actions.count("staff.timeout") == 2


def test_roles_are_enforced_and_refusals_audited(app: Flask, ctx: ServiceContext) -> None:
    editor = make_staff(ctx, "editor", "dialogue_editor")
    client = _client(app)
    login(client, "editor", editor)
    assert client.get("/console/refills").status_code == 403
    assert client.get("/console/handoffs").status_code == 403
    assert client.get("/console/audit").status_code == 403
    assert post(client, "/console/refills/rfl_x/sign").status_code == 403
    assert client.get("/console/conversations").status_code == 200
    forbidden = [e for e in audit_actions(ctx) if e.action == "staff.forbidden"]
    assert len(forbidden) == 4 and {e.actor for e in forbidden} == {f"staff:{_id(ctx, 'editor')}"}


def _id(ctx: ServiceContext, username: str) -> str:
    from sqlalchemy import select

    from models import StaffAccount

    with ctx.db.reading() as session:
        found = session.scalar(select(StaffAccount.id).where(StaffAccount.username == username))
        assert found is not None
        return found


def test_logins_failures_and_patient_views_are_in_the_audit_log(app: Flask, ctx: ServiceContext) -> None:
    secret = make_staff(ctx, "admin1", "admin", "support")
    login(_client(app, "10.5.0.1"), "admin1", secret, password="Wrong-password-1")
    client = _client(app, "10.5.0.2")
    login(client, "admin1", secret)
    page = client.get("/console/conversations").get_data(as_text=True)
    assert "查看原因" in page
    client.get("/console/conversations?why=改进机器人对话")  # a reason in the URL is not taken
    assert "conversations.review" not in {e.action for e in audit_actions(ctx)}
    post(client, "/console/conversations/why", why="改进机器人对话")
    client.get("/console/conversations")
    entries = audit_actions(ctx)
    by_action = {e.action: e for e in entries}
    staff_id = _id(ctx, "admin1")
    assert by_action["staff.login_failed"].actor == f"staff:{staff_id}"
    assert by_action["staff.login"].actor == f"staff:{staff_id}"
    assert by_action["conversations.review"].reason == "改进机器人对话"
    audit_page = client.get("/console/audit").get_data(as_text=True)
    assert "conversations.review" in audit_page


def test_create_admin_refuses_weak_passwords_and_prints_the_totp_uri_once(app: Flask, ctx: ServiceContext) -> None:
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-admin", "--username", "root", "--display-name", "根", "--password", "short"])
    assert weak.exit_code != 0 and "密码至少需要12个字符" in weak.output
    common = runner.invoke(
        args=["create-admin", "--username", "root", "--display-name", "x", "--password", "alllowercaseletters"]
    )
    assert common.exit_code != 0
    result = runner.invoke(
        args=["create-admin", "--username", "root", "--display-name", "管理员", "--password", "Str0ng-Enough-Pass"]
    )
    assert result.exit_code == 0, result.output
    uri = next(line for line in result.output.splitlines() if line.startswith("otpauth://"))
    secret = pyotp.parse_uri(uri).secret
    assert login(_client(app), "root", secret, password="Str0ng-Enough-Pass").status_code == 302
    again = runner.invoke(
        args=["create-admin", "--username", "root", "--display-name", "x", "--password", "Str0ng-Enough-Pass"]
    )
    assert again.exit_code != 0 and "已经存在" in again.output


def test_demo_staff_exist_for_each_role_and_never_in_production(app: Flask, ctx: ServiceContext) -> None:
    assert demo.seed_demo_staff(ctx) == ["admin", "editor", "doctor", "pharmacist", "support", "window"]
    assert demo.seed_demo_staff(ctx) == []
    secret = dict((u, s) for u, _n, _r, s in demo.DEMO_STAFF)["pharmacist"]
    assert login(_client(app), "pharmacist", secret, password=demo.DEMO_PASSWORD).status_code == 302
    from dataclasses import replace

    production = replace(ctx, settings=ctx.settings.model_copy(update={"app_env": "production"}))
    with pytest.raises(Conflict):
        demo.seed_demo_staff(production)
