"""Refused payment notifications are counted by provider: the alert
HospitalPaymentNotificationsRefused (ops/prometheus/alerts.yml) reads this counter."""

from __future__ import annotations

from flask.testing import FlaskClient

SAMPLE = 'hospital_payment_notifications_total{provider="alipay",result="refused"} '


def _refused(client: FlaskClient) -> float:
    for line in client.get("/metrics").get_data(as_text=True).splitlines():
        if line.startswith(SAMPLE):
            return float(line.removeprefix(SAMPLE))
    return 0.0


def test_a_forged_notification_is_refused_and_counted(client: FlaskClient) -> None:
    before = _refused(client)
    response = client.post("/payments/alipay/notify", data={"out_trade_no": "x", "sign": "forged"})
    assert response.status_code == 400
    assert _refused(client) == before + 1
