"""Passwords an administrator chose are replaced at once; an administrator's reset
ends every session of the account; a new second factor is shown as a QR code."""

from __future__ import annotations

import re
import time
from urllib.parse import unquote

import pyotp
import segno
from flask import Flask
from flask.testing import FlaskClient

from services.context import ServiceContext
from services.staff import accounts as staff
from tests.console_helpers import PASSWORD, audit_actions, login, make_staff, post

CHOSEN_BY_ADMIN = "Given-By-Admin-42!"
MY_OWN = "Only-I-Know-This-9?"


def _admin(app: Flask, ctx: ServiceContext) -> FlaskClient:
    client = app.test_client()
    assert login(client, "boss", make_staff(ctx, "boss", "admin")).status_code == 302
    return client


def _create(admin: FlaskClient) -> tuple[str, str]:
    page = post(admin, "/console/staff", username="newbie", display_name="新同事", password=CHOSEN_BY_ADMIN,
                roles="support", reason="新入职客服").get_data(as_text=True)  # fmt: skip
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page)
    qr = re.search(r'<img id="totp-qr" src="(data:image/svg\+xml[^"]+)"', page)
    assert secret and qr
    return secret.group(1), qr.group(1)


def test_a_new_account_scans_a_qr_code_and_must_change_the_password_first(app: Flask, ctx: ServiceContext) -> None:
    secret, qr = _create(_admin(app, ctx))
    uri = pyotp.TOTP(secret).provisioning_uri(name="newbie", issuer_name="互联网医院工作台")
    assert unquote(qr) == unquote(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))

    newbie = app.test_client()
    assert login(newbie, "newbie", secret, password=CHOSEN_BY_ADMIN).status_code == 302
    for page in ("/console/", "/console/handoffs", "/console/conversations"):
        assert newbie.get(page).headers["Location"] == "/console/password"
    assert post(newbie, "/console/handoffs/1/claim").headers["Location"] == "/console/password"
    assert "您的密码是管理员设置的" in newbie.get("/console/password").get_data(as_text=True)
    wrong = post(newbie, "/console/password", current="nope", new=MY_OWN, repeat=MY_OWN)
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    same = post(newbie, "/console/password", current=CHOSEN_BY_ADMIN, new=CHOSEN_BY_ADMIN, repeat=CHOSEN_BY_ADMIN)
    assert same.status_code == 422
    assert post(newbie, "/console/password", current=CHOSEN_BY_ADMIN, new=MY_OWN, repeat="x").status_code == 422
    done = post(newbie, "/console/password", current=CHOSEN_BY_ADMIN, new=MY_OWN, repeat=MY_OWN)
    assert done.status_code == 302 and newbie.get("/console/handoffs").status_code == 200
    assert "staff.password_change" in {e.action for e in audit_actions(ctx)}


def test_accounts_whose_owner_chose_the_password_are_not_asked(app: Flask, ctx: ServiceContext) -> None:
    client = app.test_client()
    login(client, "kefu", make_staff(ctx, "kefu", "support"))  # the CLI and the seed: the owner's own
    assert client.get("/console/handoffs").status_code == 200


def test_an_admin_reset_ends_every_session_and_forces_a_new_password(app: Flask, ctx: ServiceContext) -> None:
    admin = _admin(app, ctx)
    secret = make_staff(ctx, "kefu", "support")
    phone, desk = app.test_client(), app.test_client()
    login(phone, "kefu", secret, code=pyotp.TOTP(secret).at(time.time() - 30))  # a code is good once:
    login(desk, "kefu", secret)  # three logins use three time steps
    later = pyotp.TOTP(secret).at(time.time() + 30)
    assert phone.get("/console/handoffs").status_code == 200 and desk.get("/console/handoffs").status_code == 200
    kefu_id = next(r.id for r in staff.list_staff(ctx) if r.username == "kefu")

    assert post(admin, f"/console/staff/{kefu_id}/password", password="short", reason="忘记密码").status_code == 422
    assert post(admin, f"/console/staff/{kefu_id}/password", password=CHOSEN_BY_ADMIN, reason="").status_code == 422
    done = post(admin, f"/console/staff/{kefu_id}/password", password=CHOSEN_BY_ADMIN, reason="本人忘记密码")
    assert done.status_code == 302
    for client in (phone, desk):
        assert client.get("/console/handoffs").headers["Location"].startswith("/console/login")
    [entry] = [e for e in audit_actions(ctx) if e.action == "staff.password_reset"]
    assert entry.reason == "本人忘记密码" and '"sessions_ended": 2' in (entry.detail or "")

    again = app.test_client()
    assert login(again, "kefu", secret, password=PASSWORD, code=later).status_code == 401
    assert login(again, "kefu", secret, password=CHOSEN_BY_ADMIN, code=later).status_code == 302
    assert again.get("/console/").headers["Location"] == "/console/password"
    stranger = app.test_client()
    assert post(stranger, f"/console/staff/{kefu_id}/password", password=MY_OWN, reason="改").status_code == 400
