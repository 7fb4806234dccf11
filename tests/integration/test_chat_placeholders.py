"""A bot that holds no secrets (issue 11.5): ID numbers, phones and one-time codes reach
Rasa only as placeholders; the real values stay with the app, encrypted, and the v1
API resolves them for the conversation they were typed in, never another.

Rasa's side is a local server speaking its REST protocol (what it received is what
its tracker store would keep); the v1 API and the database are the real ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from integrations.rasa.client import RasaRestClient
from models import ChatSecret, utcnow
from scripts.pii_scan import find_pii
from services.context import ServiceContext
from services.conversation import placeholders
from shared_rules import PLACEHOLDER_IN_TEXT
from tests.clinical_factories import send_otp
from tests.conftest import AUTH
from tests.factories import make_patient
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.web_chat import web_conversation
from tests.wiring import use

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"


class FakeRasa:
    """Echoes what it was sent (as a bot that repeats a slot would) and answers the
    tracker read with the form's requested slot."""

    def __init__(self) -> None:
        self.requested_slot: str | None = None

    def __call__(self, request: Recorded) -> tuple[int, object]:
        if request.path.startswith("/webhooks/rest/webhook"):
            said = request.json()["message"]
            return 200, [{"recipient_id": "x", "text": f"好的，您填写的是{said}"}]
        if "/tracker" in request.path and request.method == "GET":
            return 200, {"slots": {"requested_slot": self.requested_slot}, "latest_message": {}}
        return 200, {}


@pytest.fixture
def bot() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def rasa(app: Flask, bot: FakeRasa) -> Iterator[FakeServer]:
    with fake_server(bot) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        yield server


def chat(client: FlaskClient, message: str) -> list[dict[str, object]]:
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": message})
    assert response.status_code == 200, response.json
    return list(response.json["messages"])


def sent_to_rasa(rasa: FakeServer) -> list[str]:
    return [r.json()["message"] for r in rasa.requests if r.path.startswith("/webhooks")]


def test_id_numbers_and_phones_reach_rasa_only_as_placeholders(
    app: Flask, client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    replies = chat(client, f"身份证{ID_NUMBER}，手机 139-1234-5678")
    [text] = sent_to_rasa(rasa)
    assert ID_NUMBER not in text and "5678" not in text.replace("139****5678", "")
    assert not find_pii(text)
    found = [m.group(1) for m in PLACEHOLDER_IN_TEXT.finditer(text)]
    assert found == ["身份证", "手机"]
    assert "[手机#139****5678#" in text  # the phone's placeholder carries only its mask
    # The values are kept for this conversation, encrypted: nothing readable in the rows.
    conversation = web_conversation(app, client, "p1")
    values = [placeholders.resolve(ctx, conversation, m.group(0)) for m in PLACEHOLDER_IN_TEXT.finditer(text)]
    assert values == [ID_NUMBER, PHONE]
    with ctx.db.reading() as session:
        rows = session.scalars(select(ChatSecret)).all()
    assert len(rows) == 2 and not any(find_pii(f"{r.value_enc} {r.token}") for r in rows)
    # The bot's echo shows the patient a masked phone, never a token or a number.
    [reply] = replies
    shown = str(reply["text"])
    assert "139****5678" in shown and "身份证号" in shown
    assert ID_NUMBER not in shown and PHONE not in shown and "#" not in shown


def test_a_code_becomes_a_placeholder_only_when_the_bot_asked_for_one(
    client: FlaskClient, rasa: FakeServer, bot: FakeRasa
) -> None:
    bot.requested_slot = "date"
    chat(client, "1208")  # a date typed as digits while a date is asked: left alone
    bot.requested_slot = "otp_code"
    chat(client, "483920")
    bot.requested_slot = None
    chat(client, "验证码是 771203")  # said as a code, whatever was asked
    chat(client, "2")  # a choice: no tracker read, nothing replaced
    assert sent_to_rasa(rasa)[0] == "1208"
    assert PLACEHOLDER_IN_TEXT.fullmatch(sent_to_rasa(rasa)[1])
    assert "771203" not in sent_to_rasa(rasa)[2] and "[验证码#" in sent_to_rasa(rasa)[2]
    assert sent_to_rasa(rasa)[3] == "2"


def test_an_id_number_with_a_wrong_check_digit_never_reaches_rasa_either(client: FlaskClient, rasa: FakeServer) -> None:
    chat(client, "110105194912310021")  # the check digit should be X
    assert sent_to_rasa(rasa) == [placeholders.BAD_ID_NUMBER]


def test_the_api_resolves_a_placeholder_only_in_its_own_conversation(client: FlaskClient, ctx: ServiceContext) -> None:
    make_patient(ctx, name="赵建华", phone=PHONE)
    text = placeholders.protect(ctx, "web:alice", f"我的手机{PHONE}")
    [phone] = [m.group(0) for m in PLACEHOLDER_IN_TEXT.finditer(text)]
    body = {"phone": phone, "purpose": "results"}
    other = client.post("/api/v1/otp", json=body, headers={**AUTH, "X-Conversation-ID": "web:mallory"})
    assert other.status_code == 422 and other.json["message"] == placeholders.PlaceholderRefused.message
    assert client.post("/api/v1/otp", json=body, headers=AUTH).status_code == 422  # no conversation named
    assert client.get(f"/api/v1/dev/outbox?to={PHONE}", headers=AUTH).json == []  # nothing was sent
    own = client.post("/api/v1/otp", json=body, headers={**AUTH, "X-Conversation-ID": "web:alice"})
    assert own.status_code == 202
    [sms] = client.get(f"/api/v1/dev/outbox?to={PHONE}", headers=AUTH).json
    assert sms["kind"] == "otp"
    assert send_otp(client, PHONE).status_code in (202, 429)  # a real number still works as before


def test_an_expired_placeholder_is_refused_and_purged(client: FlaskClient, ctx: ServiceContext) -> None:
    made = utcnow() - timedelta(minutes=ctx.settings.chat_secret_minutes + 1)
    text = placeholders.protect(ctx, "web:alice", ID_NUMBER, now=made)
    with pytest.raises(placeholders.PlaceholderRefused):
        placeholders.resolve(ctx, "web:alice", text)
    body = {"name": "赵建华", "id_number": text, "phone": PHONE}
    answer = client.post("/api/v1/patients", json=body, headers={**AUTH, "X-Conversation-ID": "web:alice"})
    assert answer.status_code == 422 and "过期" in answer.json["message"]
    assert placeholders.purge_expired(ctx) == 1
    with ctx.db.reading() as session:
        assert session.scalars(select(ChatSecret)).all() == []


def test_registration_through_the_api_takes_the_conversations_placeholders(
    client: FlaskClient, ctx: ServiceContext
) -> None:
    text = placeholders.protect(ctx, "web:alice", f"{ID_NUMBER} {PHONE}")
    id_number, phone = (m.group(0) for m in PLACEHOLDER_IN_TEXT.finditer(text))
    account = {"channel": "web", "channel_user_id": "alice"}  # binding a chat account needs the code
    body = {"name": "赵建华", "id_number": id_number, "phone": phone, "account": account}
    answer = client.post("/api/v1/patients", json=body, headers={**AUTH, "X-Conversation-ID": "web:alice"})
    assert answer.json["error"] == "phone_code_sent", answer.json  # the code went to the real number
    [sms] = client.get(f"/api/v1/dev/outbox?to={PHONE}", headers=AUTH).json
    typed = sms["text"].split("验证码是")[1][:6]
    code = placeholders.protect(ctx, "web:alice", typed, code_expected=True)
    assert code.startswith("[验证码#")
    headers = {**AUTH, "X-Conversation-ID": "web:alice"}
    done = client.post("/api/v1/patients", json={**body, "code": code}, headers=headers)
    assert done.status_code == 201, done.json
    assert done.json["id_number"] != ID_NUMBER and done.json["phone"] == "139****5678"
