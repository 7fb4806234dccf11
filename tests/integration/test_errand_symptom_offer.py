"""An errand that also tells a complaint gets its errand, then an offer of triage
(services/conversation/errand_symptom_offer.py), through POST /api/v1/chat with a fake
Rasa that reads each message as the intent given below; the triage engine is the real
one. Tapping the offer's button starts the triage journey with the message as its
symptom, also from a hand-off queue. Messages are our own paraphrases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from integrations.rasa.client import RasaRestClient
from models import HandoffTicket
from services.clinical.triage import default_engine
from services.context import ServiceContext
from services.conversation import handoff, turns
from services.conversation.symptom_routing import triage_trigger
from services.conversation.turns import InboundMessage
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.web_chat import web_sender
from tests.wiring import use

TRIAGE_REPLY = "您哪里不舒服，持续多久了？"
READ_AS = {
    "把明天的号退了吧，孩子发烧去不了": "cancel_appointment",
    "后天的号帮我退了": "cancel_appointment",
    "找个人工，孩子一直在吐": "request_human",
    "我头疼想挂神经内科": "book_appointment",
    "发热门诊几点开": "faq",
}


def rasa(request: Recorded) -> tuple[int, object]:
    """Our REST channel: the replies, and the turn's parse beside them."""
    if not request.path.startswith("/webhooks/rest/webhook"):
        return 200, {}
    sent = request.json()
    message = sent["message"]
    rasa.sent.append(message)  # type: ignore[attr-defined]
    intent = "report_symptom" if message.startswith("/report_symptom") else READ_AS.get(message, "nlu_fallback")
    parse_data = {"text": message, "intent": {"name": intent, "confidence": 0.9}, "intent_ranking": []}
    text = TRIAGE_REPLY if intent == "report_symptom" else f"errand {intent}"
    return 200, {"messages": [{"recipient_id": sent["sender"], "text": text}], "parse_data": parse_data}


@pytest.fixture
def nlu(app: Flask) -> Iterator[FakeServer]:
    rasa.sent = []  # type: ignore[attr-defined]
    with fake_server(rasa) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0, understanding_timeout=1.0))
        yield server


def _chat(client: FlaskClient, text: str) -> list[dict[str, Any]]:
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": text})
    assert response.status_code == 200 and response.json is not None
    return list(response.json["messages"])


def test_the_errand_is_answered_then_triage_is_offered_and_one_tap_starts_it(
    nlu: FakeServer, client: FlaskClient
) -> None:
    said = "把明天的号退了吧，孩子发烧去不了"
    errand, line = _chat(client, said)
    assert errand["text"] == "errand cancel_appointment"  # the errand goes on, first
    assert rasa.sent == [said]  # type: ignore[attr-defined]  # not taken over by triage
    assert line["text"].startswith("您提到“孩子发烧去不了”") and "挂哪个科" in line["text"]
    assert "今天就来医院" in line["text"]  # the whole assessment: urgent for a child's fever kept at home
    [button] = line["buttons"]
    assert button["payload"] == triage_trigger(said)
    # the tap: the triage journey with the original words as its symptom, nothing retyped
    assert [m["text"] for m in _chat(client, button["payload"])] == [TRIAGE_REPLY]
    trigger = rasa.sent[-1]  # type: ignore[attr-defined]
    assert json.loads(trigger.removeprefix("/report_symptom")) == {"symptom": said}


@pytest.mark.parametrize("said", ["后天的号帮我退了", "我头疼想挂神经内科", "发热门诊几点开"])
def test_no_offer_for_an_errand_without_a_complaint_a_booking_or_an_faq(
    nlu: FakeServer, client: FlaskClient, said: str
) -> None:
    assert [m["text"] for m in _chat(client, said)] == [f"errand {READ_AS[said]}"]


def test_a_tap_from_a_hand_off_queue_leaves_it_for_triage(app: Flask, nlu: FakeServer, client: FlaskClient) -> None:
    said = "找个人工，孩子一直在吐"
    line = _chat(client, said)[-1]
    assert line["text"].startswith("您提到“孩子一直在吐”") and "退出人工排队" in line["text"]
    ctx: ServiceContext = app.extensions["hospital"]
    handoff.open_ticket(ctx, f"web:{web_sender(app, client, 'p1')}", "asked_for_human")  # the action server's call
    assert [m["text"] for m in _chat(client, line["buttons"][0]["payload"])] == [TRIAGE_REPLY]
    with ctx.db.reading() as session:
        assert session.scalars(select(HandoffTicket.status)).one() == "closed"


def test_on_wechat_the_line_names_the_word_to_reply(app: Flask, nlu: FakeServer) -> None:
    """WeChat shows buttons as numbered choices the bot reads against its own: no button."""
    ctx: ServiceContext = app.extensions["hospital"]
    inbound = InboundMessage(channel="wechat", sender="o-patient-1", text="把明天的号退了吧，孩子发烧去不了")
    errand, line = turns.handle_message(ctx, ctx.require_dialogue(), default_engine(), inbound)
    assert errand.text == "errand cancel_appointment"
    assert not line.buttons and "回复“自诊”" in line.text
