"""Payment notifications and reconciliation in live mode, with the platforms'
side played by locally generated keys and local fake gateways."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import create_app
from models import Appointment, LedgerEntry, OutboxMessage, PaymentOrder, Refund, utcnow
from services.booking import holds, queries, transitions
from services.context import ServiceContext
from services.payments import settlement as payments
from services.payments.refunds import pending_refund_ids, process_refund
from tests.conftest import settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot
from tests.fakes import payment_platforms as fake

ALIPAY_RETRIES = [timedelta(minutes=m) for m in (0, 4, 14, 24, 84, 204, 564, 1464)]  # 4m 10m 10m 1h 2h 6h 15h


@pytest.fixture
def alipay_gateway() -> fake.AlipayGateway:
    return fake.AlipayGateway()


@pytest.fixture
def wechat_gateway() -> fake.WeChatGateway:
    return fake.WeChatGateway()


@pytest.fixture
def live_app(
    database_url: str, alipay_gateway: fake.AlipayGateway, wechat_gateway: fake.WeChatGateway
) -> Iterator[Flask]:
    with (
        fake.gateway_server(fake.alipay_plain(alipay_gateway)) as alipay_url,
        fake.gateway_server(fake.wechat_signing(wechat_gateway)) as wechat_url,
    ):
        settings = settings_for(
            database_url,
            **fake.live_settings(),
            alipay_pay_gateway_url=f"{alipay_url}/gateway.do",
            wechat_pay_gateway_url=wechat_url,
        )
        application = create_app(settings)
        yield application
        application.extensions["hospital"].db.dispose()


@pytest.fixture
def live(live_app: Flask) -> ServiceContext:
    return live_app.extensions["hospital"]  # type: ignore[no-any-return]


def _held(ctx: ServiceContext, day: date, fee: int = 3000, phone: str = "13900001111") -> dict[str, object]:
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=fee), day)
    return holds.book(ctx, patient_id=make_patient(ctx, phone=phone), slot_id=slot).appointment


def _trade(held: dict[str, object]) -> str:
    return str(held["payment"]["out_trade_no"])  # type: ignore[index]


def _status(ctx: ServiceContext, held: dict[str, object]) -> str:
    return str(queries.get_appointment(ctx, str(held["id"]))["status"])


def _ledger(ctx: ServiceContext) -> list[int]:
    with ctx.db.reading() as session:
        return list(session.scalars(select(LedgerEntry.amount_fen).order_by(LedgerEntry.id)))


def _confirmations(ctx: ServiceContext) -> int:
    with ctx.db.reading() as session:
        return (
            session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "booking_confirmed")) or 0
        )


def _alipay_post(client: FlaskClient, body: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/payments/alipay/notify", data=body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )


def test_alipay_notify_confirms_once_and_answers_exactly_success(
    live_app: Flask, live: ServiceContext, clinic_day: date
) -> None:
    held = _held(live, clinic_day)
    assert "alipay.trade.wap.pay" in str(held["payment"]["pay_url"])  # type: ignore[index]
    client = live_app.test_client()
    body = fake.alipay_notification(_trade(held), 3000)
    answers = [_alipay_post(client, body) for _ in range(3)]
    assert [(a.status_code, a.get_data()) for a in answers] == [(200, b"success")] * 3
    assert _status(live, held) == "confirmed"
    assert _ledger(live) == [3000]
    assert _confirmations(live) == 1


def test_the_same_alipay_notification_across_the_whole_retry_schedule_counts_once(
    live_app: Flask, live: ServiceContext, clinic_day: date
) -> None:
    held = _held(live, clinic_day)
    client = live_app.test_client()
    start = datetime.now(UTC)
    for offset in ALIPAY_RETRIES:
        with time_machine.travel(start + offset, tick=False):
            body = fake.alipay_notification(_trade(held), 3000)  # each retry is signed anew with its notify_time
            answer = _alipay_post(client, body)
            assert (answer.status_code, answer.get_data()) == (200, b"success")
    assert _status(live, held) == "confirmed"
    assert _ledger(live) == [3000]
    assert _confirmations(live) == 1


@pytest.mark.parametrize(
    "make_body",
    [
        pytest.param(lambda trade: fake.alipay_notification(trade, 3000, signer=fake.new_key()), id="forged"),
        pytest.param(lambda trade: fake.alipay_notification(trade, 1), id="amount-mismatch"),
        pytest.param(lambda trade: fake.alipay_notification(trade, 3000, app_id="2021999999999999"), id="other-app"),
        pytest.param(
            lambda trade: fake.alipay_notification(trade, 3000, at=datetime.now(UTC) - timedelta(minutes=6)),
            id="stale",
        ),
        pytest.param(lambda trade: fake.alipay_notification("pay_not_ours", 3000), id="unknown-order"),
        pytest.param(lambda trade: b"sign=abc&&&", id="garbage"),
    ],
)
def test_refused_alipay_notifications_change_nothing(
    live_app: Flask, live: ServiceContext, clinic_day: date, make_body: object
) -> None:
    held = _held(live, clinic_day)
    answer = _alipay_post(live_app.test_client(), make_body(_trade(held)))  # type: ignore[operator]
    assert answer.status_code == 400 and answer.get_data() == b"fail"
    assert _status(live, held) == "held"
    assert _ledger(live) == [] and _confirmations(live) == 0


def test_a_payment_after_the_hold_lapsed_is_refunded_through_the_gateway(
    live_app: Flask, live: ServiceContext, clinic_day: date, alipay_gateway: fake.AlipayGateway
) -> None:
    held = _held(live, clinic_day)
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        assert transitions.expire_holds(live) == 1
        body = fake.alipay_notification(_trade(held), 3000)
        assert _alipay_post(live_app.test_client(), body).get_data() == b"success"
    assert _status(live, held) == "expired"
    (refund_id,) = pending_refund_ids(live)
    assert process_refund(live, refund_id) == "succeeded"
    refund_call = next(c for c in alipay_gateway.calls if c["method"] == "alipay.trade.refund")
    assert '"refund_amount":"30.00"' in refund_call["biz_content"]
    assert _ledger(live) == [3000, -3000]
    with live.db.reading() as session:
        assert session.scalar(select(PaymentOrder.status)) == "refunded"
    assert _confirmations(live) == 0


def test_a_close_after_pay_leaves_the_order_paid(live_app: Flask, live: ServiceContext, clinic_day: date) -> None:
    held = _held(live, clinic_day)
    client = live_app.test_client()
    assert _alipay_post(client, fake.alipay_notification(_trade(held), 3000)).get_data() == b"success"
    closed = fake.alipay_notification(_trade(held), 3000, trade_status="TRADE_CLOSED")
    assert _alipay_post(client, closed).get_data() == b"success"
    with live.db.reading() as session:
        assert session.scalar(select(PaymentOrder.status)) == "paid"
    assert _status(live, held) == "confirmed"


def test_wechat_notify_confirms_once_with_the_documented_answer(
    database_url: str, clinic_day: date, wechat_gateway: fake.WeChatGateway
) -> None:
    with fake.gateway_server(fake.wechat_signing(wechat_gateway)) as url:
        settings = settings_for(
            database_url, **{**fake.live_settings(), "payment_live_provider": "wechat"}, wechat_pay_gateway_url=url
        )
        application = create_app(settings)
        ctx: ServiceContext = application.extensions["hospital"]
        held = _held(ctx, clinic_day)
        assert held["payment"]["pay_url"] == "weixin://wxpay/bizpayurl?pr=fake0001"  # type: ignore[index]
        method, path, _ = wechat_gateway.calls[0]
        assert (method, path) == ("POST", "/v3/pay/transactions/native")
        client = application.test_client()
        for _ in range(3):
            headers, body = fake.wechat_notification(_trade(held), 3000)
            answer = client.post("/payments/wechat/notify", data=body, headers=headers)
            assert answer.status_code == 200 and answer.json == {"code": "SUCCESS", "message": "成功"}
        forged_headers, forged = fake.wechat_notification(_trade(held), 3000, signer=fake.new_key())
        refused = client.post("/payments/wechat/notify", data=forged, headers=forged_headers)
        assert refused.status_code == 400 and refused.json["code"] == "FAIL"
        assert _status(ctx, held) == "confirmed" and _ledger(ctx) == [3000] and _confirmations(ctx) == 1
        # An Alipay notification for a WeChat order is not believed.
        assert _alipay_post(client, fake.alipay_notification(_trade(held), 3000)).status_code == 400
        application.extensions["hospital"].db.dispose()


def test_alipay_precreate_gives_a_qr_code_through_the_gateway(
    live: ServiceContext, alipay_gateway: fake.AlipayGateway
) -> None:
    from payments.base import PaymentRequest

    link = live.payments.create_order(PaymentRequest("pay_qr1", 1500, "挂号费", scene="qr"))
    assert link.qr_code == "https://qr.alipay.com/bax0000000000001"
    assert alipay_gateway.calls[0]["method"] == "alipay.trade.precreate"


def test_reconciliation_settles_an_order_whose_notification_never_came(
    live: ServiceContext, clinic_day: date, alipay_gateway: fake.AlipayGateway
) -> None:
    held = _held(live, clinic_day)
    assert payments.orders_to_reconcile(live) == []  # too young: the notification may still come
    alipay_gateway.trades[_trade(held)] = {
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "30.00",
        "trade_no": "2026112622001400000000000009",
    }
    later = utcnow() + timedelta(minutes=6)
    ids = payments.orders_to_reconcile(live, now=later)
    assert len(ids) == 1
    assert payments.reconcile_order(live, ids[0]) == "confirmed"
    assert payments.reconcile_order(live, ids[0]) == "duplicate"
    assert _status(live, held) == "confirmed" and _ledger(live) == [3000] and _confirmations(live) == 1


def test_an_expired_hold_closes_its_order_at_the_platform(
    live: ServiceContext, clinic_day: date, alipay_gateway: fake.AlipayGateway
) -> None:
    held = _held(live, clinic_day)
    alipay_gateway.trades[_trade(held)] = {"trade_status": "WAIT_BUYER_PAY", "total_amount": "30.00"}
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        transitions.expire_holds(live)
        (order_id,) = payments.orders_to_reconcile(live)
        assert payments.reconcile_order(live, order_id) == "closed"
        assert payments.orders_to_reconcile(live) == []
    assert [c["method"] for c in alipay_gateway.calls] == ["alipay.trade.query", "alipay.trade.close"]
    with live.db.reading() as session:
        order = session.scalar(select(PaymentOrder))
        assert order is not None and order.status == "closed" and order.provider_closed_at is not None
        appointment = session.get(Appointment, str(held["id"]))
        assert appointment is not None and appointment.status == "expired"
        assert session.scalar(select(func.count(Refund.id))) == 0


def test_money_refunded_at_the_platform_before_we_heard_of_it_ends_refunded(
    live: ServiceContext, clinic_day: date, alipay_gateway: fake.AlipayGateway
) -> None:
    from services.payments.settlement import settle_platform_refund

    held = _held(live, clinic_day)
    assert settle_platform_refund(live, _trade(held), "T9").outcome == "refunded"
    # The pay notification arriving afterwards changes nothing.
    assert payments.settle_payment(live, _trade(held), 3000, "T9").outcome == "duplicate"
    with live.db.reading() as session:
        assert session.scalar(select(PaymentOrder.status)) == "refunded"
    assert sorted(_ledger(live)) == [-3000, 3000]
    assert pending_refund_ids(live) == []


def test_the_console_app_refuses_platform_notifications(client: FlaskClient) -> None:
    answer = client.post("/payments/alipay/notify", data=b"a=b")
    assert answer.status_code == 400 and answer.get_data() == b"fail"
