"""The short pay link and the pay page it opens: signed, expiring with the hold,
and offering the way to pay that fits where it is opened."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

from models import utcnow
from services.context import ServiceContext
from services.payments import checkout, links
from tests.conftest import AUTH
from tests.factories import make_department, make_doctor, make_patient, make_slot

WECHAT_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0.47"
ALIPAY_UA = "Mozilla/5.0 (Linux; Android 13) Mobile Safari/537.36 AlipayClient/10.5.36"
PHONE_UA = "Mozilla/5.0 (Linux; Android 13; Pixel 7) Chrome/120.0 Mobile Safari/537.36"
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"


def _held(client: FlaskClient, ctx: ServiceContext, day: date) -> dict[str, object]:
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3050), day)
    body = {"patient_id": make_patient(ctx, name="王小明", phone="13722224444"), "slot_id": slot}
    return client.post("/api/v1/appointments", json=body, headers=AUTH).json  # type: ignore[no-any-return]


def _path(held: dict[str, object]) -> str:
    link = str(held["payment"]["pay_link"])  # type: ignore[index]
    return link.split("127.0.0.1:5000", 1)[1]


def test_the_booking_carries_a_short_link_without_the_order_number(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    held = _held(client, ctx, clinic_day)
    path = _path(held)
    out_trade_no = str(held["payment"]["out_trade_no"])  # type: ignore[index]
    assert path.startswith("/p/") and len(path) <= 3 + 24
    assert out_trade_no not in path
    assert links.resolve(ctx, path[3:]) == out_trade_no
    listed = client.get(f"/api/v1/appointments?patient_id={held['patient_id']}", headers=AUTH).json
    assert listed[0]["payment"]["pay_link"].endswith(path)  # one link per order, however often asked


def test_the_page_says_what_is_paid_for_and_masks_the_patient(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    page = client.get(_path(_held(client, ctx, clinic_day)), headers={"User-Agent": PHONE_UA})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "¥30.50" in text and "王**" in text and "王小明" not in text
    assert "确认支付（模拟）" in text and 'id="countdown"' in text


def test_a_forged_code_gets_a_chinese_page_not_the_order(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    path = _path(_held(client, ctx, clinic_day))
    forged = path[:-1] + ("a" if path[-1] != "a" else "b")
    for bad in (forged, "/p/pay_123", "/p/" + "0" * 20):
        page = client.get(bad)
        text = page.get_data(as_text=True)
        assert page.status_code == 404 and "支付链接无效" in text and "¥" not in text
    assert client.get(forged + "/status").status_code == 404
    assert client.post(forged + "/console").status_code == 404


def test_an_expired_code_is_refused_after_the_hold(ctx: ServiceContext) -> None:
    secret = ctx.settings.secret_key
    expires = utcnow() + timedelta(minutes=15)
    code = links.make_code(secret, 42, expires)
    assert links.read_code(secret, code, utcnow()) == 42
    with pytest.raises(links.LinkExpired):
        links.read_code(secret, code, expires + timedelta(minutes=1))
    assert links.read_code(secret, code, expires + timedelta(minutes=1), grace=timedelta(hours=1)) == 42


def test_an_expired_link_gets_a_410_page(client: FlaskClient, ctx: ServiceContext, clinic_day: date) -> None:
    code = links.make_code(ctx.settings.secret_key, 1, utcnow() - timedelta(minutes=1))
    page = client.get(f"/p/{code}")
    assert page.status_code == 410 and "已过期" in page.get_data(as_text=True)


def test_paying_on_the_page_settles_once_and_confirms(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    held = _held(client, ctx, clinic_day)
    path = _path(held)
    assert client.get(path + "/status").json["state"] == "pending"
    assert client.post(path + "/console").json["outcome"] == "confirmed"
    assert client.post(path + "/console").json["outcome"] == "duplicate"
    assert client.get(path + "/status").json == {"state": "paid", "seconds_left": 0}
    assert client.get(path + "/go").status_code == 404 and client.get(path + "/qr.svg").status_code == 404
    assert client.get(f"/api/v1/appointments/{held['id']}", headers=AUTH).json["status"] == "confirmed"
    assert "支付成功" in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize(
    ("provider", "agent", "way"),
    [
        ("alipay", ALIPAY_UA, "wap"),
        ("alipay", PHONE_UA, "wap"),
        ("alipay", WECHAT_UA, "open_in_browser"),
        ("alipay", DESKTOP_UA, "qr"),
        ("wechat", WECHAT_UA, "jsapi"),
        ("wechat", DESKTOP_UA, "native"),
        ("wechat", PHONE_UA, "open_in_wechat"),
        ("console", WECHAT_UA, "console"),
    ],
)
def test_the_way_to_pay_follows_where_the_page_is_opened(provider: str, agent: str, way: str) -> None:
    assert checkout.way_for(provider, checkout.place_of(agent)) == way


def test_after_the_hold_the_page_learns_the_place_was_released_or_the_money_goes_back(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    import time_machine

    released = _path(_held(client, ctx, clinic_day))
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx, code="respiratory", name="呼吸内科")), clinic_day)
    body = {"patient_id": make_patient(ctx, name="李四", phone="13722225555"), "slot_id": slot}
    late = _path(client.post("/api/v1/appointments", json=body, headers=AUTH).json)
    with time_machine.travel(utcnow() + timedelta(minutes=ctx.settings.hold_minutes + 1)):
        assert client.get(released + "/status").json == {"state": "released", "seconds_left": 0}
        assert client.get(released).status_code == 410  # the link itself has expired with the hold
        assert client.post(late + "/console").status_code == 410  # a new payment cannot start
    with time_machine.travel(utcnow() + timedelta(hours=3)):
        assert client.get(released + "/status").status_code == 410  # past the page's grace too
    # Money that was already on its way when the hold lapsed is refunded, and the page says so.
    from services.payments import settlement

    with time_machine.travel(utcnow() + timedelta(minutes=ctx.settings.hold_minutes + 1)):
        outcome = settlement.settle_payment(ctx, links.resolve(ctx, late[3:], grace=timedelta(hours=1)), 3000, "t-1")
        assert outcome.outcome == "refunding"
        assert client.get(late + "/status").json["state"] == "refunding"
