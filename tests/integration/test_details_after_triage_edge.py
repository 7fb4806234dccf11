"""A detail right after a triage answer reaches the bot as more about the complaint (conversation
set 14's X38, tuning material): through POST /api/v1/chat, with a local Rasa whose conversation
ends in the triage answer and "要我帮您预约骨科吗？". "没摔过 也不肿" is sent as ``/report_symptom``
with the words as typed; "先不用" stays a no; "没摔过 但是刚才晕过去了" is a 120 answer and Rasa
hears nothing of it (the red flags run first on every message)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from integrations.rasa.client import RasaRestClient
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

ANSWERED = [
    {"event": "user", "text": "我膝盖疼 上下楼梯疼得厉害"},
    {"event": "bot", "text": "这样有多长时间了？比如“两天”“一个星期”。"},
    {"event": "user", "text": "好几个月了 阴天下雨更疼"},
    {"event": "bot", "text": "看病的人多大年纪？小宝宝请说几个月，比如“5个月”。"},
    {"event": "user", "text": "六十八了"},
    {"event": "bot", "text": "建议您24小时内尽快看医生，推荐科室：骨科、风湿免疫科。"},
    {
        "event": "bot",
        "text": "要我帮您预约骨科吗？",
        "data": {"buttons": [{"title": "1 好，帮我预约", "payload": "/affirm"}]},
    },
]


def _bot(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        return 200, [{"recipient_id": "x", "text": f"机器人收到：{request.json()['message']}"}]
    return 200, {"events": ANSWERED, "slots": {}, "latest_message": {"intent": {"name": "inform"}}}


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    with fake_server(_bot) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        yield server


def _sent(rasa: FakeServer) -> list[tuple[str, str | None]]:
    """What Rasa was sent after the conversation's first message ("你好", which makes it known)."""
    hooks = [r.json() for r in rasa.requests if r.path.startswith("/webhooks")]
    return [(h["message"], h["metadata"].get("typed")) for h in hooks][1:]


@pytest.fixture
def client(client: FlaskClient, rasa: FakeServer) -> FlaskClient:
    """A conversation Rasa already has (in the fake, it ends in X38's triage answer)."""
    _chat(client, "你好")
    return client


def _chat(client: FlaskClient, message: str) -> list[str]:
    body = client.post("/api/v1/chat", json={"sender": "p1", "message": message}).get_json()
    assert body is not None, body
    return [str(m["text"]) for m in body["messages"]]


def test_details_after_the_offer_go_to_triage(client: FlaskClient, rasa: FakeServer) -> None:
    _chat(client, "没摔过 也不肿")
    assert _sent(rasa) == [('/report_symptom{"symptom": "没摔过 也不肿"}', "没摔过 也不肿")]


@pytest.mark.parametrize("text", ["先不用", "不用了", "2"])
def test_a_plain_no_stays_a_no(client: FlaskClient, rasa: FakeServer, text: str) -> None:
    _chat(client, text)
    assert _sent(rasa) == [(text, None)]


def test_an_emergency_added_as_a_detail_is_answered_first(client: FlaskClient, rasa: FakeServer) -> None:
    [reply] = _chat(client, "没摔过 但是刚才晕过去了")
    assert "120" in reply
    assert _sent(rasa) == []


def test_a_first_message_is_never_read_as_a_detail(app: Flask, rasa: FakeServer) -> None:
    """A conversation Rasa does not have yet answered nothing: no tracker read, the words as typed."""
    app.test_client().post("/api/v1/chat", json={"sender": "p2", "message": "不发烧"})
    assert [r.path for r in rasa.requests if not r.path.startswith("/webhooks")] == []
    assert [r.json()["message"] for r in rasa.requests] == ["不发烧"]
