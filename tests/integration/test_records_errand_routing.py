"""A message the bot fell back on whose words ask for one's reports or appointments goes to
that journey (blind set 5's G45: "俺爹前天做哩胃镜，病理结果出来没有，帮俺瞅瞅" got the menu).
Through POST /api/v1/chat with a fake Rasa that falls back on purpose."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from integrations.rasa.client import RasaRestClient
from services.conversation.handoff import FALLBACK_MARKER
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

FALLBACK = f"{FALLBACK_MARKER}。您可以换个说法"
JOURNEY_REPLY = {
    "/query_result": "请输入就诊人在医院登记的手机号：",
    "/query_appointment": "1. 张* 心血管内科",
    "/cancel_appointment": "您要取消哪一个预约？",
    "/request_refill": "续方需要先确认是哪位就诊人。请输入就诊人在医院登记的手机号：",
}
UNDERSTOOD = {"报告几天能出来": "faq"}  # the NLU answers this one itself


def rasa(request: Recorded) -> tuple[int, object]:
    """Our REST channel: the replies, and the turn's parse beside them."""
    if request.path.startswith("/webhooks/rest/webhook"):
        sent = request.json()
        message = sent["message"]
        rasa.sent.append(message)  # type: ignore[attr-defined]
        intent = message.lstrip("/") if message.startswith("/") else UNDERSTOOD.get(message, "nlu_fallback")
        parse_data = {"text": message, "intent": {"name": intent, "confidence": 0.9}, "intent_ranking": []}
        text = JOURNEY_REPLY.get(message) or ("报告一般1-3个工作日" if intent == "faq" else FALLBACK)
        return 200, {"messages": [{"recipient_id": sent["sender"], "text": text}], "parse_data": parse_data}
    return 200, {}


@pytest.fixture
def nlu(app: Flask) -> Iterator[FakeServer]:
    rasa.sent = []  # type: ignore[attr-defined]
    with fake_server(rasa) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0, understanding_timeout=1.0))
        yield server


def _chat(client: FlaskClient, text: str) -> list[str]:
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": text})
    assert response.status_code == 200
    return [m["text"] for m in response.json["messages"]]


@pytest.mark.parametrize(
    "text,trigger",
    [
        ("俺爹前天做哩胃镜，病理结果出来没有，帮俺瞅瞅", "/query_result"),
        ("上週驗血嘅報告出咗未", "/query_result"),
        ("俺 约的 号 是 哪天 忘了", "/query_appointment"),
        ("我想睇下我約咗邊日覆診", "/query_appointment"),
        # set 5's G34: the model of 05:13 falls back between query (0.49) and cancel (0.49)
        ("我 那个 约的号 不去 了", "/cancel_appointment"),
        ("約咗嘅號唔去喇", "/cancel_appointment"),
        # set 10's L02: a typo in the drug's name ("二甲双瓜") and the menu twice
        ("我的二甲双瓜没有了 还想开", "/request_refill"),
        ("那个降压的药片吃完了 想再开", "/request_refill"),
        ("帮我妈续个药", "/request_refill"),
    ],
)
def test_a_fallback_asking_for_records_starts_that_journey(
    nlu: FakeServer, client: FlaskClient, text: str, trigger: str
) -> None:
    assert _chat(client, text) == [JOURNEY_REPLY[trigger]]
    assert rasa.sent == [text, trigger]  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", ["报告几天能出来", "嗯嗯嗯", "约了", "我不去了", "号没了 还想挂"])
def test_an_answered_question_or_a_mumble_is_left_alone(nlu: FakeServer, client: FlaskClient, text: str) -> None:
    _chat(client, text)
    assert rasa.sent == [text]  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", ["药吃完了 还是头疼", "止疼药吃完了 肚子还疼 想再开"])
def test_a_complaint_beside_a_drug_run_out_is_no_refill(nlu: FakeServer, client: FlaskClient, text: str) -> None:
    """Triage hears a complaint first (the symptom re-route), never the refill."""
    _chat(client, text)
    assert "/request_refill" not in rasa.sent  # type: ignore[attr-defined]
