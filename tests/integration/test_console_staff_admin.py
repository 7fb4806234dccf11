"""Staff management for administrators (/console/staff): listing with roles, lock,
disabled state and last login; creating an account (the TOTP secret shown once);
unlock, disable/enable, roles, TOTP reset; admin only, CSRF-protected, every
change audited with its reason, and never a console without an active admin."""

from __future__ import annotations

import json
import re
import time

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.context import ServiceContext
from services.staff import accounts as staff
from services.staff import throttle
from tests.console_helpers import PASSWORD, audit_actions, login, make_staff, post

NEW_PASSWORD = "Brand-New-Staff-7!"


def _client(app: Flask, ip: str = "10.1.0.1") -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _logged_in(app: Flask, username: str, secret: str, *, later: bool = False) -> FlaskClient:
    """A console client; `later` uses the next TOTP step (a code is good only once)."""
    client = _client(app)
    code = pyotp.TOTP(secret).at(time.time() + 30) if later else pyotp.TOTP(secret).now()
    response = login(client, username, secret, code=code)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _id(ctx: ServiceContext, username: str) -> str:
    return next(row.id for row in staff.list_staff(ctx) if row.username == username)


def _row(ctx: ServiceContext, username: str) -> staff.StaffRow:
    return next(row for row in staff.list_staff(ctx) if row.username == username)


def _audited(ctx: ServiceContext, action: str) -> list[tuple[str | None, str | None, dict[str, object]]]:
    return [
        (e.subject, e.reason, json.loads(e.detail) if e.detail else {})
        for e in audit_actions(ctx)
        if e.action == action
    ]


@pytest.fixture
def admin(app: Flask, ctx: ServiceContext) -> FlaskClient:
    return _logged_in(app, "boss", make_staff(ctx, "boss", "admin"))


def test_only_admins_reach_the_pages_and_refusals_are_audited(app: Flask, ctx: ServiceContext) -> None:
    editor = _logged_in(app, "editor", make_staff(ctx, "editor", "dialogue_editor", "support"))
    target = _id(ctx, "editor")
    assert editor.get("/console/staff").status_code == 403
    assert editor.get(f"/console/staff/{target}").status_code == 403
    assert post(editor, "/console/staff", username="mole", display_name="x", password=NEW_PASSWORD,
                roles="admin", reason="想当管理员").status_code == 403  # fmt: skip
    assert post(editor, f"/console/staff/{target}/roles", roles="admin", reason="提权").status_code == 403
    assert _row(ctx, "editor").roles == {"dialogue_editor", "support"}
    assert len(_audited(ctx, "staff.forbidden")) == 4
    assert "工作人员" not in editor.get("/console/").get_data(as_text=True)
    # The service checks again, whatever page calls it.
    with pytest.raises(staff.NotAnAdmin):
        staff.set_roles(ctx.acting_as(f"staff:{target}"), target, ["admin"], reason="绕过页面")


def test_every_change_needs_the_csrf_token(app: Flask, ctx: ServiceContext, admin: FlaskClient) -> None:
    make_staff(ctx, "nurse", "support")
    target = _id(ctx, "nurse")
    for path in ("disable", "roles", "totp", "unlock"):
        response = admin.post(f"/console/staff/{target}/{path}", data={"reason": "测试", "roles": "admin"})
        assert response.status_code == 400
    assert admin.post("/console/staff", data={"username": "x1x", "reason": "测试"}).status_code == 400
    assert _row(ctx, "nurse").active and _row(ctx, "nurse").roles == {"support"}
    assert len(staff.list_staff(ctx)) == 2


def test_the_list_shows_roles_state_and_last_login(app: Flask, ctx: ServiceContext, admin: FlaskClient) -> None:
    make_staff(ctx, "never", "pharmacist")
    locked_secret = make_staff(ctx, "locked", "clinician")
    for _ in range(throttle.ACCOUNT_MAX_FAILURES):
        login(_client(app, "10.9.0.1"), "locked", locked_secret, password="Wrong-password-1")
    staff.set_active(ctx, _id(ctx, "never"), False, reason="离职")
    page = admin.get("/console/staff").get_data(as_text=True)
    rows = {
        m.group(1): re.sub(r"<[^>]+>", " ", m.group(2))
        for m in re.finditer(r'<tr class="account" data-username="([^"]+)">(.*?)</tr>', page, re.S)
    }
    assert set(rows) == {"boss", "locked", "never"}
    assert "管理员" in rows["boss"] and "正常" in rows["boss"] and "从未登录" not in rows["boss"]
    assert "已锁定（至" in rows["locked"] and "医生" in rows["locked"]
    assert "已停用" in rows["never"] and "药师" in rows["never"] and "从未登录" in rows["never"]


def test_creating_an_account_shows_the_totp_secret_once(app: Flask, ctx: ServiceContext, admin: FlaskClient) -> None:
    response = post(admin, "/console/staff", username="Lin.Pharm", display_name="林药师", password=NEW_PASSWORD,
                    roles="pharmacist", reason="新入职药师")  # fmt: skip
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page)
    uri = re.search(r'<code id="otpauth-uri" class="wrap">([^<]+)</code>', page)
    assert secret and uri and "只显示这一次" in page
    assert pyotp.parse_uri(uri.group(1).replace("&amp;", "&")).secret == secret.group(1)
    assert response.headers["Cache-Control"] == "no-store"
    assert secret.group(1) not in (response.headers.get("Set-Cookie") or "")
    # Shown once: neither the list nor the account page carries it again.
    new_id = _id(ctx, "lin.pharm")
    assert secret.group(1) not in admin.get("/console/staff").get_data(as_text=True)
    assert secret.group(1) not in admin.get(f"/console/staff/{new_id}").get_data(as_text=True)
    assert _audited(ctx, "staff.create")[-1] == (
        new_id,
        "新入职药师",
        {"username": "lin.pharm", "roles": ["pharmacist"]},
    )
    pharmacist = _client(app)
    assert login(pharmacist, "lin.pharm", secret.group(1), password=NEW_PASSWORD).status_code == 302
    # The password an admin typed must be replaced first (test_console_passwords.py).
    assert pharmacist.get("/console/refills").headers["Location"] == "/console/password"


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        (
            {"username": "newbie", "password": "short", "roles": "support", "reason": "新人"},
            422,
            "密码至少需要12个字符",
        ),
        ({"username": "boss", "password": NEW_PASSWORD, "roles": "support", "reason": "新人"}, 409, "已经存在"),
        ({"username": "newbie", "password": NEW_PASSWORD, "roles": "", "reason": "新人"}, 422, "角色必须是"),
        ({"username": "newbie", "password": NEW_PASSWORD, "roles": "support", "reason": ""}, 422, "请填写操作原因"),
        (
            {"username": "1bad", "password": NEW_PASSWORD, "roles": "support", "reason": "新人"},
            422,
            "用户名需以字母开头",
        ),
    ],
)
def test_a_refused_account_is_explained_and_nothing_is_created(
    ctx: ServiceContext, admin: FlaskClient, form: dict[str, str], status: int, message: str
) -> None:
    response = post(admin, "/console/staff", display_name="新人", **form)
    page = response.get_data(as_text=True)
    assert response.status_code == status and message in page and 'id="totp-secret"' not in page
    assert [row.username for row in staff.list_staff(ctx)] == ["boss"]
    assert _audited(ctx, "staff.create") == [(_id(ctx, "boss"), None, {"username": "boss", "roles": ["admin"]})]


def test_unlocking_a_locked_account_lets_its_owner_in(app: Flask, ctx: ServiceContext, admin: FlaskClient) -> None:
    secret = make_staff(ctx, "doc", "clinician")
    for _ in range(throttle.ACCOUNT_MAX_FAILURES):
        login(_client(app, "10.9.0.2"), "doc", secret, password="Wrong-password-1")
    assert login(_client(app), "doc", secret).status_code == 401  # locked, even with everything right
    target = _id(ctx, "doc")
    assert "解除锁定" in admin.get(f"/console/staff/{target}").get_data(as_text=True)
    assert post(admin, f"/console/staff/{target}/unlock", reason="").status_code == 422
    assert _row(ctx, "doc").locked_until is not None
    response = post(admin, f"/console/staff/{target}/unlock", reason="本人电话确认忘记密码")
    assert response.status_code == 302 and response.headers["Location"] == f"/console/staff/{target}"
    assert _row(ctx, "doc").locked_until is None
    assert _audited(ctx, "staff.unlock")[-1][:2] == ("doc", "本人电话确认忘记密码")
    assert login(_client(app), "doc", secret, code=pyotp.TOTP(secret).at(time.time() + 30)).status_code == 302


def test_disabling_ends_the_sessions_and_enabling_lets_back_in(
    app: Flask, ctx: ServiceContext, admin: FlaskClient
) -> None:
    secret = make_staff(ctx, "kefu", "support")
    kefu = _logged_in(app, "kefu", secret)
    assert kefu.get("/console/handoffs").status_code == 200
    target = _id(ctx, "kefu")
    response = post(admin, f"/console/staff/{target}/disable", reason="离职")
    assert response.status_code == 302
    assert kefu.get("/console/handoffs").status_code == 302  # back to the login page
    assert not _row(ctx, "kefu").active
    assert login(_client(app), "kefu", secret, code=pyotp.TOTP(secret).at(time.time() + 30)).status_code == 401
    assert _audited(ctx, "staff.disable")[-1] == (target, "离职", {"username": "kefu", "sessions_ended": 1})
    assert post(admin, f"/console/staff/{target}/enable", reason="返聘").status_code == 302
    assert _row(ctx, "kefu").active
    assert _audited(ctx, "staff.enable")[-1][1] == "返聘"
    assert login(_client(app), "kefu", secret, code=pyotp.TOTP(secret).at(time.time() + 30)).status_code == 302


def test_changing_roles_takes_effect_on_the_next_page(app: Flask, ctx: ServiceContext, admin: FlaskClient) -> None:
    secret = make_staff(ctx, "kefu", "support")
    kefu = _logged_in(app, "kefu", secret)
    assert kefu.get("/console/refills").status_code == 403
    target = _id(ctx, "kefu")
    admin_form = {"csrf_token": _token(admin), "roles": ["support", "clinician", "no_such_role"], "reason": "兼任"}
    assert admin.post(f"/console/staff/{target}/roles", data=admin_form).status_code == 302
    assert kefu.get("/console/refills").status_code == 200
    assert _row(ctx, "kefu").roles == {"support", "clinician"}
    assert _audited(ctx, "staff.roles")[-1] == (
        target,
        "兼任",
        {"username": "kefu", "before": ["support"], "after": ["clinician", "support"]},
    )
    assert post(admin, f"/console/staff/{target}/roles", reason="清空").status_code == 422  # no role at all
    assert _row(ctx, "kefu").roles == {"support", "clinician"}


def _token(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return str(session.get("csrf_token", ""))


def test_resetting_totp_replaces_the_secret_and_logs_the_account_out(
    app: Flask, ctx: ServiceContext, admin: FlaskClient
) -> None:
    old = make_staff(ctx, "doc", "clinician")
    doc = _logged_in(app, "doc", old)
    target = _id(ctx, "doc")
    response = post(admin, f"/console/staff/{target}/totp", reason="手机丢了")
    page = response.get_data(as_text=True)
    new = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page)
    assert response.status_code == 200 and new and new.group(1) != old
    assert doc.get("/console/refills").status_code == 302  # the session ended
    assert login(_client(app), "doc", old, code=pyotp.TOTP(old).at(time.time() + 30)).status_code == 401
    assert login(_client(app), "doc", new.group(1)).status_code == 302
    assert _audited(ctx, "staff.totp_reset")[-1] == (target, "手机丢了", {"username": "doc", "sessions_ended": 1})


def test_the_last_admin_can_neither_disable_nor_demote_themselves(
    app: Flask, ctx: ServiceContext, admin: FlaskClient
) -> None:
    me = _id(ctx, "boss")
    response = post(admin, f"/console/staff/{me}/disable", reason="试试")
    assert response.status_code == 409 and "没有可用的管理员" in response.get_data(as_text=True)
    response = post(admin, f"/console/staff/{me}/roles", roles="support", reason="试试")
    assert response.status_code == 409
    assert _row(ctx, "boss").active and _row(ctx, "boss").roles == {"admin"}
    assert admin.get("/console/staff").status_code == 200  # still an admin
    assert not _audited(ctx, "staff.disable") and not _audited(ctx, "staff.roles")

    # A second admin who is disabled does not count.
    make_staff(ctx, "deputy", "admin")
    deputy = _id(ctx, "deputy")
    assert post(admin, f"/console/staff/{deputy}/disable", reason="长期休假").status_code == 302
    assert post(admin, f"/console/staff/{me}/roles", roles="support", reason="试试").status_code == 409
    # Once the deputy is back, the first admin may step down (and loses the page at once).
    assert post(admin, f"/console/staff/{deputy}/enable", reason="休假结束").status_code == 302
    assert post(admin, f"/console/staff/{me}/roles", roles="support", reason="转去客服").status_code == 302
    assert admin.get("/console/staff").status_code == 403
    # Now the deputy is the last one.
    with pytest.raises(staff.LastAdmin):
        staff.set_active(ctx.acting_as(f"staff:{deputy}"), deputy, False, reason="试试")
    with pytest.raises(staff.LastAdmin):
        staff.set_roles(ctx, deputy, ["clinician"], reason="试试")
    assert _row(ctx, "deputy").active and "admin" in _row(ctx, "deputy").roles


def test_the_pages_render_for_an_admin(app: Flask, ctx: ServiceContext, admin: FlaskClient) -> None:
    home = admin.get("/console/").get_data(as_text=True)
    assert "工作人员账号" in home
    page = admin.get(f"/console/staff/{_id(ctx, 'boss')}").get_data(as_text=True)
    assert "这是您自己的账号" in page and 'name="reason"' in page and 'name="csrf_token"' in page
    assert admin.get("/console/staff/stf_nobody").status_code == 404
    assert PASSWORD not in page


@pytest.mark.postgres
def test_two_admins_stepping_down_at_once_leave_one_admin_on_postgresql(postgres_url: str) -> None:
    """Each sees the other still an admin; the row locks make the second wait and see
    the first one's change, so exactly one of them may step down."""
    import threading

    from app import build_context
    from tests.conftest import settings_for

    ctx = build_context(settings_for(postgres_url))
    try:
        make_staff(ctx, "ann", "admin")
        make_staff(ctx, "bob", "admin")
        ids = {name: _id(ctx, name) for name in ("ann", "bob")}
        start, outcomes = threading.Barrier(2), []

        def step_down(name: str) -> None:
            start.wait()
            try:
                staff.set_roles(ctx.acting_as(f"staff:{ids[name]}"), ids[name], ["support"], reason="换岗")
                outcomes.append("done")
            except staff.LastAdmin:
                outcomes.append("refused")

        threads = [threading.Thread(target=step_down, args=(name,)) for name in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["done", "refused"]
        assert sum("admin" in row.roles and row.active for row in staff.list_staff(ctx)) == 1
    finally:
        ctx.db.dispose()
