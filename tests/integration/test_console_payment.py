"""The console provider's pay page settles through the same path as a platform
notification, and exists only in development and test."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient

from services.context import ServiceContext
from tests.conftest import AUTH
from tests.factories import make_department, make_doctor, make_patient, make_slot


def _held(client: FlaskClient, ctx: ServiceContext, day: date) -> dict[str, object]:
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3000), day)
    body = {"patient_id": make_patient(ctx, phone="13722223333"), "slot_id": slot}
    return client.post("/api/v1/appointments", json=body, headers=AUTH).json  # type: ignore[no-any-return]


def test_paying_on_the_console_page_confirms_the_appointment(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    held = _held(client, ctx, clinic_day)
    path = str(held["payment"]["pay_url"]).split("127.0.0.1:5000", 1)[1]  # type: ignore[index]
    page = client.get(path).get_data(as_text=True)
    assert "¥30.00" in page and "确认支付" in page
    done = client.post(path).get_data(as_text=True)
    assert "支付成功" in done
    assert client.get(f"/api/v1/appointments/{held['id']}", headers=AUTH).json["status"] == "confirmed"
    assert "已经支付过" in client.post(path).get_data(as_text=True)
    kinds = [m["kind"] for m in client.get("/api/v1/dev/outbox?to=13722223333", headers=AUTH).json]
    assert kinds == ["booking_confirmed"]


def test_an_unknown_order_is_a_chinese_404(client: FlaskClient) -> None:
    response = client.get("/payments/console/pay_nothing")
    assert response.status_code == 404 and "订单" in response.json["message"]
