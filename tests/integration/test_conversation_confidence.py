"""The chat edge keeps the NLU's intent and confidence of each answered message, which
come back with the bot's replies from the turn's own parse (bot/whole_turn_channel.py,
`?parse_data=true`): one Rasa request per turn, no tracker read and no second parse.
The conversation review filters on them: "only low confidence"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from sqlalchemy import select

from integrations.rasa.client import RasaRestClient
from models import ConversationMessage
from services.context import ServiceContext
from services.conversation import log as conversation_log
from services.conversation import pseudonyms
from tests.console_helpers import audit_actions, login, make_staff, post
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.web_chat import web_conversation
from tests.wiring import use

# What the fake NLU makes of each message: (intent ranking), the fallback first when below 0.45.
READINGS = {
    "我想挂号": [("book_appointment", 0.97), ("greet", 0.01)],
    "挂个心内的号吧": [("book_appointment", 0.58), ("query_appointment", 0.3)],
    "那个啥": [("nlu_fallback", 0.45), ("query_result", 0.31), ("greet", 0.2)],
}


def rasa(request: Recorded) -> tuple[int, object]:
    """Our REST channel: the replies, and with `?parse_data=true` the turn's parse beside them."""
    if request.path.startswith("/webhooks/rest/webhook"):
        sent = request.json()
        text = "抱歉，我没太听明白" if sent["message"] == "那个啥" else "好的"
        replies = [{"recipient_id": sent["sender"], "text": text}]
        if "parse_data=true" not in request.path:
            return 200, replies
        return 200, {"messages": replies, "parse_data": parse(sent["message"])}
    return 200, {}


def parse(text: str) -> dict[str, object]:
    ranking = [{"name": n, "confidence": c} for n, c in READINGS.get(text, [])]
    return {"text": text, "intent": ranking[0] if ranking else {}, "intent_ranking": ranking, "entities": []}


@pytest.fixture
def nlu(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0, understanding_timeout=0.5))
        yield server


def chat(client: FlaskClient, message: str, sender: str = "p1") -> list[str]:
    response = client.post("/api/v1/chat", json={"sender": sender, "message": message})
    assert response.status_code == 200
    return [m["text"] for m in response.json["messages"]]


def stored(ctx: ServiceContext) -> list[tuple[str, str | None, float | None]]:
    with ctx.db.reading() as session:
        rows = session.execute(
            select(ConversationMessage.status, ConversationMessage.intent, ConversationMessage.confidence).order_by(
                ConversationMessage.id
            )
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_each_answered_message_keeps_the_intent_and_confidence(
    app: Flask, client: FlaskClient, ctx: ServiceContext, nlu: FakeServer
) -> None:
    chat(client, "我想挂号")
    chat(client, "那个啥", sender="p2")
    chat(client, "我不想活了", sender="p3")  # red flag: the bot never sees it
    assert stored(ctx) == [
        ("answered", "book_appointment", 0.97),
        ("fallback", "query_result", 0.31),  # the intent the model leaned towards, not nlu_fallback
        ("emergency", None, None),
    ]
    # Rasa knows each conversation by its pseudonym (services/conversation/pseudonyms.py)
    p1, p2, p3 = (pseudonyms.of(ctx.cipher, web_conversation(app, client, hint)) for hint in ("p1", "p2", "p3"))
    assert [(r.method, r.path) for r in nlu.requests] == [
        ("POST", "/webhooks/rest/webhook?parse_data=true"),  # one request per turn, the reading with it
        ("POST", "/webhooks/rest/webhook?parse_data=true"),
        ("POST", f"/conversations/{p3}/tracker/events"),  # the emergency slot
    ]
    assert [r.json()["sender"] for r in nlu.requests[:2]] == [p1, p2]


def _unread() -> float:
    return REGISTRY.get_sample_value("hospital_nlu_read_failures_total", {"channel": "web"}) or 0.0


def test_a_reply_without_a_reading_is_answered_and_counted(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    """A REST channel without our class answers Rasa's bare list; a reading of another
    text is no reading of this one. The patient is answered, the review lacks the intent,
    and nothing asks Rasa again."""
    failures_before = _unread()

    def bare(request: Recorded) -> tuple[int, object]:
        sent = request.json()
        if sent["message"] == "我想挂号":
            return 200, [{"recipient_id": "x", "text": "好的"}]
        return 200, {"messages": [{"recipient_id": "x", "text": "好的"}], "parse_data": parse("我想挂号")}

    with fake_server(bare) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        assert chat(client, "我想挂号") == ["好的"]
        assert chat(client, "挂个心内的号吧", sender="p2") == ["好的"]
    assert stored(ctx) == [("answered", None, None), ("answered", None, None)]
    assert _unread() == failures_before + 2
    assert [r.path.split("?")[0] for r in server.requests] == ["/webhooks/rest/webhook"] * 2


def test_the_review_filters_low_confidence_and_shows_intent_and_confidence(
    app: Flask, client: FlaskClient, ctx: ServiceContext, nlu: FakeServer
) -> None:
    chat(client, "我想挂号")
    chat(client, "挂个心内的号吧", sender="p2")  # 0.58 < 0.6: low
    chat(client, "那个啥", sender="p3")  # 0.31: low, and a fallback
    chat(client, "胸口压着疼，一直出冷汗", sender="p4")  # no reading at all: never "low"

    everything = conversation_log.recent(ctx.acting_as("staff:x"), "改进机器人对话")
    assert [(line.intent, line.low_confidence) for line in everything] == [
        (None, False),
        ("query_result", True),
        ("book_appointment", True),
        ("book_appointment", False),
    ]
    low = conversation_log.recent(ctx.acting_as("staff:x"), "改进机器人对话", low_confidence_only=True)
    assert [line.text for line in low] == ["那个啥", "挂个心内的号吧"]
    strict = replace(ctx.acting_as("staff:x"), settings=ctx.settings.model_copy(update={"review_low_confidence": 0.5}))
    assert [line.text for line in conversation_log.recent(strict, "再看一次", low_confidence_only=True)] == ["那个啥"]
    review = [e for e in audit_actions(ctx) if e.action == "conversations.review"]
    assert '"low_confidence": true' in (review[1].detail or "")

    secret = make_staff(ctx, "editor", "dialogue_editor")
    staff = app.test_client()
    login(staff, "editor", secret)
    post(staff, "/console/conversations/why", why="改进机器人对话")
    form = staff.get("/console/conversations").get_data(as_text=True)
    assert "只看把握不大的（置信度低于 0.60）" in form
    page = staff.get("/console/conversations?low=1").get_data(as_text=True)
    assert page.count('<tr class="message low">') == 2 and "我想挂号" not in page
    assert '<span class="intent">查检查结果（query_result）</span> <span class="confidence">0.31</span>' in page
    assert 'name="low" value="1" id="low" checked' in page
