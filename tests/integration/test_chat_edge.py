"""The web chat edge: red flags before the bot, and a kind answer when the bot
cannot give one. Rasa's side is played by a local server speaking its REST
protocol, so failure modes (down, slow, broken) can be produced on demand."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from integrations.rasa.client import RasaRestClient
from services.context import ServiceContext
from services.conversation import pseudonyms
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.web_chat import web_sender
from tests.wiring import use


def rasa_says_hello(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        sender = request.json()["sender"]
        return 200, [
            {
                "recipient_id": sender,
                "text": "您好，我是导诊助手。",
                "buttons": [{"title": "1 预约挂号", "payload": "/book_appointment"}],
            }
        ]
    return 200, {}


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa_says_hello) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        yield server


def chat(client: FlaskClient, message: str, sender: str = "patient-1"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/chat", json={"sender": sender, "message": message})


def test_an_ordinary_message_goes_to_the_bot_with_the_channel(
    app: Flask, client: FlaskClient, rasa: FakeServer
) -> None:
    response = chat(client, "你好")
    assert response.status_code == 200
    sender = web_sender(app, client, "patient-1")  # the session's, never the client's word
    assert response.json == {
        "messages": [
            {"text": "您好，我是导诊助手。", "buttons": [{"title": "1 预约挂号", "payload": "/book_appointment"}]}
        ]
    }
    sent = rasa.requests[0].json()
    ctx: ServiceContext = app.extensions["hospital"]
    # Rasa knows the patient by a pseudonym only, and hears the channel, never the platform's id
    assert sent == {
        "sender": pseudonyms.of(ctx.cipher, f"web:{sender}"),
        "message": "你好",
        "metadata": {"channel": "web"},
    }
    assert sender not in str(sent) and pseudonyms.conversation_of(ctx, sent["sender"]) == f"web:{sender}"


@pytest.mark.parametrize(
    "message", ["我爸胸口压着疼，一直出冷汗", "我不想活了", "宝宝2个月发烧38度5", "孕妇肚子疼还出血了"]
)
def test_red_flags_are_answered_before_the_bot_sees_them(client: FlaskClient, rasa: FakeServer, message: str) -> None:
    response = chat(client, message)
    [reply] = response.json["messages"]
    assert "120" in reply["text"] and "急诊" in reply["text"]
    assert not [r for r in rasa.requests if r.path.startswith("/webhooks")]
    # The emergency is written into the conversation so no later turn downgrades it.
    [event] = [r.json() for r in rasa.requests if "/tracker/events" in r.path]
    assert event == {"event": "slot", "name": "triage_level", "value": "emergency"}


def test_red_flags_are_answered_even_when_the_bot_is_down(app: Flask, client: FlaskClient) -> None:
    use(app, dialogue=RasaRestClient("http://127.0.0.1:9", timeout=0.5))
    reply = chat(client, "突然说话不清楚，一边手脚没力气").json["messages"][0]
    assert "120" in reply["text"]


def test_when_the_bot_is_down_the_patient_gets_the_hospital_phone(app: Flask, client: FlaskClient) -> None:
    use(app, dialogue=RasaRestClient("http://127.0.0.1:9", timeout=0.5))
    response = chat(client, "我想挂号")
    assert response.status_code == 200
    assert "010-64412800" in response.json["messages"][0]["text"]


def test_a_slow_bot_gets_an_apology_within_the_timeout(app: Flask, client: FlaskClient) -> None:
    def slow(request: Recorded) -> tuple[int, object]:
        time.sleep(1.5)
        return rasa_says_hello(request)

    with fake_server(slow) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=0.5))
        started = time.monotonic()
        response = chat(client, "我想挂号")
        assert time.monotonic() - started < 1.4
    assert "抱歉" in response.json["messages"][0]["text"]


def test_a_broken_bot_answer_is_an_apology_not_a_crash(app: Flask, client: FlaskClient) -> None:
    with fake_server(lambda r: (200, b"<html>oops")) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1))
        response = chat(client, "我想挂号")
    assert response.status_code == 200 and "抱歉" in response.json["messages"][0]["text"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"sender": "a"},
        {"sender": "a", "message": ""},
        {"sender": "a b", "message": "hi"},
        {"sender": "a", "message": "长" * 501},  # too_long: its own code, the same 422 in Chinese
        {"sender": "a", "message": "hi", "extra": 1},
    ],
)
def test_bad_chat_input_is_a_chinese_422(client: FlaskClient, rasa: FakeServer, payload: dict[str, object]) -> None:
    response = client.post("/api/v1/chat", json=payload)
    assert response.status_code == 422 and response.json["error"] in ("invalid", "too_long")
    assert response.json["message"] and rasa.requests == []


def test_chat_needs_no_service_token_but_is_rate_limited_per_sender(client: FlaskClient, rasa: FakeServer) -> None:
    statuses = [chat(client, "你好", sender="busy").status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    assert chat(client, "你好", sender="someone-else").status_code == 200


def _kept(ctx: ServiceContext) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from models import ConversationMessage
    from services.conversation.contexts import TEXT_CONTEXT

    with ctx.db.reading() as session:
        rows = session.scalars(select(ConversationMessage).order_by(ConversationMessage.id)).all()
        return [(ctx.cipher.decrypt(r.text_enc, TEXT_CONTEXT), r.status) for r in rows]


def test_every_message_is_kept_encrypted_with_how_it_was_answered(
    app: Flask, client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    chat(client, "你好")
    chat(client, "我不想活了")
    use(app, dialogue=RasaRestClient("http://127.0.0.1:9", timeout=0.5))
    chat(client, "我想查报告")  # not a booking: that is refused at the edge right after an emergency
    assert _kept(ctx) == [("你好", "answered"), ("我不想活了", "emergency"), ("我想查报告", "unanswered")]
    with ctx.db.reading() as session:
        stored = str(session.execute(text("SELECT * FROM inbound_messages")).all())
    assert "挂号" not in stored and "patient-1" not in stored
