"""WeChat web authorisation on the pay page (issue 12): opened inside WeChat by someone we
have no openid for, the page goes to WeChat's authorize endpoint (a local fake), comes
back with a code that wechatpy's OAuth client exchanges for the openid, and JSAPI then
pays with it. The state is checked against a cookie of ours (CSRF): a stale, foreign
or replayed callback gets a Chinese page and no openid."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from services.context import ServiceContext
from services.patients.registry import phone_hash
from tests.conftest import AUTH, settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot
from tests.fakes import payment_platforms as fake
from tests.fakes.wechat_oauth import OAUTH_OPENID, WeChatOAuthServer, oauth_server, oauth_settings
from tests.integration.test_pay_page import DESKTOP_UA, WECHAT_UA
from web.pay_oauth import OPENID_COOKIE, STATE_COOKIE

BASE = "http://127.0.0.1:5000"  # PUBLIC_BASE_URL of the test settings


@dataclass
class Stack:
    app: Flask
    oauth: WeChatOAuthServer
    oauth_url: str
    wechat: fake.WeChatGateway

    @property
    def ctx(self) -> ServiceContext:
        ctx: ServiceContext = self.app.extensions["hospital"]
        return ctx


def _stack(database_url: str, with_secret: bool = True) -> Iterator[Stack]:
    oauth, wechat = WeChatOAuthServer(), fake.WeChatGateway()
    with oauth_server(oauth) as oauth_url, fake.gateway_server(fake.wechat_signing(wechat)) as wechat_url:
        overrides: dict[str, Any] = {**fake.live_settings(), "payment_live_provider": "wechat"}
        if with_secret:
            overrides.update(oauth_settings(oauth_url))
        app = create_app(settings_for(database_url, **overrides, wechat_pay_gateway_url=wechat_url))
        yield Stack(app, oauth, oauth_url, wechat)
        app.extensions["hospital"].db.dispose()


@pytest.fixture
def stack(database_url: str) -> Iterator[Stack]:
    yield from _stack(database_url)


def _pay_path(stack: Stack, day: date, **patient: Any) -> str:
    ctx = stack.ctx
    department = make_department(ctx, code=f"dept_{secrets.token_hex(3)}")  # one per order
    slot = make_slot(ctx, make_doctor(ctx, department, fee_fen=3000), day)
    body = {"patient_id": make_patient(ctx, **patient), "slot_id": slot}
    held = stack.app.test_client().post("/api/v1/appointments", json=body, headers=AUTH).json
    return str(held["payment"]["pay_link"]).removeprefix(BASE)


def _to_wechat(client: FlaskClient, path: str) -> dict[str, str]:
    """Open the page inside WeChat: the redirect to WeChat's authorize endpoint, read."""
    answer = client.get(path, headers={"User-Agent": WECHAT_UA})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    query = {k: v[0] for k, v in parse_qs(urlsplit(answer.location).query).items()}
    assert client.get_cookie(STATE_COOKIE, path="/p/") is not None
    return {"location": answer.location, **query}


def _wechat_sends_back(location: str) -> str:
    """WeChat (the fake) redirects the browser back to us with a code and the state."""
    answer = requests.get(location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return str(answer.headers["Location"]).removeprefix(BASE)


def test_inside_wechat_the_openid_comes_from_web_authorisation_and_pays_with_jsapi(
    stack: Stack, clinic_day: date
) -> None:
    path = _pay_path(stack, clinic_day)  # booked on the web: no WeChat identity
    client = stack.app.test_client()
    sent = _to_wechat(client, path)
    assert sent["location"].startswith(stack.oauth_url + "/connect/oauth2/authorize?")
    assert (sent["appid"], sent["scope"], sent["response_type"]) == (fake.WECHAT_APP_ID, "snsapi_base", "code")
    assert sent["redirect_uri"] == f"{BASE}{path}/oauth" and len(sent["state"]) >= 16
    back = client.get(_wechat_sends_back(sent["location"]))
    assert back.status_code == 303 and back.location.endswith(path)
    [exchange] = stack.oauth.exchanged  # wechatpy called the token API with the app's secret
    assert exchange["appid"] == fake.WECHAT_APP_ID and exchange["grant_type"] == "authorization_code"
    assert client.get_cookie(STATE_COOKIE, path="/p/") is None  # the state is spent
    page = client.get(path, headers={"User-Agent": WECHAT_UA})
    assert page.status_code == 200 and "使用微信支付" in page.get_data(as_text=True)  # no second trip
    params = client.post(path + "/jsapi").json["js_params"]
    assert params["package"].startswith("prepay_id=") and params["paySign"]
    [(_, _, order)] = [call for call in stack.wechat.calls if call[1].endswith("/jsapi")]
    assert f'"openid": "{OAUTH_OPENID}"'.replace(" ", "") in order.decode().replace(" ", "")


@pytest.mark.parametrize("forgery", ["wrong_state", "no_cookie", "other_order", "replayed"])
def test_a_callback_that_is_not_ours_gets_a_chinese_page_and_no_openid(
    stack: Stack, clinic_day: date, forgery: str
) -> None:
    path = _pay_path(stack, clinic_day)
    client = stack.app.test_client()
    sent = _to_wechat(client, path)
    callback = _wechat_sends_back(sent["location"])
    if forgery == "wrong_state":
        callback = callback.replace(sent["state"], "attacker-chosen-state-0000")
    elif forgery == "no_cookie":
        client = stack.app.test_client()  # another browser: the link was sent to a victim
    elif forgery == "other_order":
        other = _pay_path(stack, clinic_day, phone="13900002222", name="另一位")
        callback = callback.replace(path, other)
    else:
        assert client.get(callback).status_code == 303
        client.delete_cookie(OPENID_COOKIE, path="/p/")
    answer = client.get(callback)
    assert answer.status_code == 400
    assert "重新点击“去支付”" in answer.get_data(as_text=True)
    assert client.get_cookie(OPENID_COOKIE, path="/p/") is None
    if forgery != "replayed":
        assert stack.oauth.exchanged == []  # the code was never even spent


def test_a_code_wechat_refuses_gets_a_kind_page(stack: Stack, clinic_day: date) -> None:
    path = _pay_path(stack, clinic_day)
    client = stack.app.test_client()
    sent = _to_wechat(client, path)
    callback = _wechat_sends_back(sent["location"])
    stack.oauth.codes.clear()  # expired at WeChat's end
    answer = client.get(callback)
    assert answer.status_code == 502 and "暂时无法连接微信" in answer.get_data(as_text=True)
    assert client.get_cookie(OPENID_COOKIE, path="/p/") is None


def test_no_trip_to_wechat_when_the_openid_is_known_or_not_needed(stack: Stack, clinic_day: date) -> None:
    proven = phone_hash(stack.ctx.cipher, "13800000000")
    known = _pay_path(stack, clinic_day, channel="wechat", channel_user_id="o-identity-1", proven_phone_hash=proven)
    client = stack.app.test_client()
    assert client.get(known, headers={"User-Agent": WECHAT_UA}).status_code == 200  # WeChat identity known
    unknown = _pay_path(stack, clinic_day, phone="13900003333", name="网页用户")
    assert client.get(unknown, headers={"User-Agent": DESKTOP_UA}).status_code == 200  # a QR code, no JSAPI
    assert stack.oauth.authorized == []


def test_without_the_account_secret_the_page_stays_and_says_how(database_url: str, clinic_day: date) -> None:
    for stack in _stack(database_url, with_secret=False):
        path = _pay_path(stack, clinic_day)
        client = stack.app.test_client()
        assert client.get(path, headers={"User-Agent": WECHAT_UA}).status_code == 200
        answer = client.post(path + "/jsapi")
        assert answer.status_code == 409 and "公众号" in answer.json["message"]
        assert client.get(path + "/oauth?code=x&state=y").status_code == 404
