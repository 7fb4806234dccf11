"""Result grants are one-time and bound to the conversation they were earned in
(issue 11, weakness 8). Before: a grant opened results again and again for 30
minutes, from anywhere it was copied to (it sat in the bot's tracker store)."""

from __future__ import annotations

from flask.testing import FlaskClient

from services.context import ServiceContext
from tests.clinical_factories import last_code, make_report, send_otp
from tests.conftest import AUTH
from tests.factories import make_patient

PHONE = "13912345678"


def grant_in(client: FlaskClient, conversation: str) -> str:
    assert send_otp(client, PHONE).status_code == 202
    body = {"phone": PHONE, "purpose": "results", "code": last_code(client, PHONE), "conversation_id": conversation}
    answer = client.post("/api/v1/otp/verify", json=body, headers=AUTH)
    assert answer.status_code == 200
    return str(answer.json["token"])


def look(client: FlaskClient, patient: str, token: str, conversation: str | None) -> int:
    headers = {**AUTH, "X-Verification-Token": token}
    if conversation:
        headers["X-Conversation-ID"] = conversation
    return client.get(f"/api/v1/patients/{patient}/results", headers=headers).status_code


def test_a_grant_opens_results_once_and_only_in_its_conversation(client: FlaskClient, ctx: ServiceContext) -> None:
    patient = make_patient(ctx, name="张三", phone=PHONE)
    make_report(ctx, patient)
    token = grant_in(client, "wechat:openid-zhang")
    assert look(client, patient, token, "web:w-somebody-else") == 403
    assert look(client, patient, token, None) == 403
    assert look(client, patient, token, "wechat:openid-zhang") == 200
    assert look(client, patient, token, "wechat:openid-zhang") == 403  # spent
