"""Every symptom reaches triage: a message describing a complaint that the NLU sent to
the FAQ, out of scope, a greeting or its fallback is handed to the triage journey
(`/report_symptom{"symptom": …}`), and the patient gets that answer; journey intents
are left alone. Through POST /api/v1/chat with a fake Rasa that misreads on purpose."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from integrations.rasa.client import RasaRestClient
from services.conversation.symptom_routing import triage_trigger
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

TRIAGE_REPLY = "您哪里不舒服，持续多久了？"
# What the fake NLU makes of each message (a deliberately poor classifier).
MISREAD = {
    "孩子发烧39度，要不要去医院": "faq",
    "肚子一阵一阵疼还拉稀": "out_of_scope",
    "你好，我这两天头晕得厉害": "greet",
    "我头疼想挂神经内科": "book_appointment",
    "医院几点开门": "faq",
    "孩子咳嗽，想挂个号": "book_appointment",
    "我想约个号看看头疼": "book_appointment",
    "帮我挂个号": "book_appointment",
    "俺想挂个号 腿疼得走不动": "book_appointment",
    "早上量血压一百七 平常一百三": "nlu_fallback",
    "太麻烦您了 多谢": "thank",
}


def rasa(request: Recorded) -> tuple[int, object]:
    """Our REST channel: the replies, and the turn's parse beside them (`?parse_data=true`)."""
    if request.path.startswith("/webhooks/rest/webhook"):
        sent = request.json()
        rasa.sent.append(sent["message"])  # type: ignore[attr-defined]
        message = sent["message"]
        intent = "report_symptom" if message.startswith("/") else MISREAD.get(message, "nlu_fallback")
        parse_data: dict[str, object] = {
            "text": message,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": [],
        }
        if intent == "faq":  # as Rasa answers a retrieval intent: the chosen answer beside it
            parse_data["response_selector"] = {"faq": {"response": {"intent_response_key": "faq/hours"}}}
        if message.startswith("/report_symptom"):
            replies = [{"recipient_id": sent["sender"], "text": TRIAGE_REPLY}]
        else:
            replies = [{"recipient_id": sent["sender"], "text": f"answer for {MISREAD.get(message, 'x')}"}]
        return 200, {"messages": replies, "parse_data": parse_data}
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
    "text",
    [
        "孩子发烧39度，要不要去医院",
        "肚子一阵一阵疼还拉稀",
        "你好，我这两天头晕得厉害",
        # a booking that names a complaint but no department: triage finds the department
        "孩子咳嗽，想挂个号",
        "我想约个号看看头疼",
        # the booking's own words (挂个号) do not hide its complaint
        "俺想挂个号 腿疼得走不动",
        # a reading with its number, which the triage router has no complaint word for
        "早上量血压一百七 平常一百三",
    ],
)
def test_a_symptom_the_nlu_sent_elsewhere_goes_to_triage(nlu: FakeServer, client: FlaskClient, text: str) -> None:
    assert _chat(client, text) == [TRIAGE_REPLY]
    # the message, then the trigger: the intent came with the first answer, no other request
    assert [r.path.split("?")[0] for r in nlu.requests] == ["/webhooks/rest/webhook"] * 2
    trigger = rasa.sent[-1]  # type: ignore[attr-defined]
    assert trigger.startswith("/report_symptom")
    assert json.loads(trigger.removeprefix("/report_symptom")) == {"symptom": text}


@pytest.mark.parametrize("text", ["我头疼想挂神经内科", "医院几点开门", "帮我挂个号", "太麻烦您了 多谢"])
def test_journeys_and_real_questions_are_left_alone(nlu: FakeServer, client: FlaskClient, text: str) -> None:
    assert _chat(client, text) == [f"answer for {MISREAD[text]}"]
    assert rasa.sent == [text]  # type: ignore[attr-defined]
    assert len(nlu.requests) == 1


def test_the_trigger_carries_the_text_as_the_symptom_entity() -> None:
    assert triage_trigger(' 头疼"三天" ') == '/report_symptom{"symptom": "头疼\\"三天\\""}'
