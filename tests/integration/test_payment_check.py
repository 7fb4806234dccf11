"""The bot's 我付过了 check asks the platform before answering (issue 12), through the
v1 API, with Alipay's side played by a local fake gateway and locally generated keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from services.booking import holds
from services.context import ServiceContext
from tests.conftest import AUTH, settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot
from tests.fakes import payment_platforms as fake


@pytest.fixture
def gateway() -> fake.AlipayGateway:
    return fake.AlipayGateway()


@pytest.fixture
def live_app(database_url: str, gateway: fake.AlipayGateway) -> Iterator[Flask]:
    with fake.gateway_server(fake.alipay_plain(gateway)) as url:
        application = create_app(
            settings_for(database_url, **fake.live_settings(), alipay_pay_gateway_url=f"{url}/gateway.do")
        )
        yield application
        application.extensions["hospital"].db.dispose()


@pytest.fixture
def live(live_app: Flask) -> ServiceContext:
    return live_app.extensions["hospital"]  # type: ignore[no-any-return]


@pytest.fixture
def client(live_app: Flask) -> FlaskClient:
    return live_app.test_client()


def _held(ctx: ServiceContext, day: date) -> dict[str, object]:
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3000), day)
    return holds.book(ctx, patient_id=make_patient(ctx), slot_id=slot).appointment


def _check(client: FlaskClient, held: dict[str, object]) -> dict[str, object]:
    answer = client.post(f"/api/v1/appointments/{held['id']}/payment/check", headers=AUTH)
    assert answer.status_code == 200
    return answer.json  # type: ignore[return-value]


def test_paid_at_the_platform_confirms_before_the_notification(
    client: FlaskClient, live: ServiceContext, clinic_day: date, gateway: fake.AlipayGateway
) -> None:
    held = _held(live, clinic_day)
    trade = str(held["payment"]["out_trade_no"])  # type: ignore[index]
    gateway.trades[trade] = {"trade_status": "TRADE_SUCCESS", "total_amount": "30.00", "trade_no": "2026120622001"}
    checked = _check(client, held)
    assert checked["status"] == "confirmed"
    assert checked["payment"]["status"] == "paid"  # type: ignore[index]
    assert "pay_link" not in checked["payment"]  # type: ignore[operator]
    assert [c["method"] for c in gateway.calls if c["method"] == "alipay.trade.query"] == ["alipay.trade.query"]
    assert _check(client, held)["status"] == "confirmed"  # asked again: nothing changes, the platform is not asked
    assert len([c for c in gateway.calls if c["method"] == "alipay.trade.query"]) == 1


def test_not_paid_keeps_the_hold_and_its_link(
    client: FlaskClient, live: ServiceContext, clinic_day: date, gateway: fake.AlipayGateway
) -> None:
    held = _held(live, clinic_day)
    trade = str(held["payment"]["out_trade_no"])  # type: ignore[index]
    gateway.trades[trade] = {"trade_status": "WAIT_BUYER_PAY", "total_amount": "30.00"}
    checked = _check(client, held)
    assert checked["status"] == "held" and checked["hold_expires_at"]
    assert "/p/" in str(checked["payment"]["pay_link"])  # type: ignore[index]
    assert any(c["method"] == "alipay.trade.query" for c in gateway.calls)


def test_an_unknown_visit_is_a_chinese_404(client: FlaskClient) -> None:
    answer = client.post("/api/v1/appointments/nope/payment/check", headers=AUTH)
    assert answer.status_code == 404 and "预约" in answer.json["message"]  # type: ignore[index]


def test_the_check_is_in_the_openapi_contract(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").json["paths"]  # type: ignore[index]
    assert "post" in paths["/api/v1/appointments/{appointment_id}/payment/check"]
