"""Issue 13: a hand-off the patient chooses and can leave, and that says when a
person will answer (the rota in data/hospital.yml), through the chat edge every
channel shares (services/conversation/turns.py) with a real database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from integrations.rasa.client import RasaRestClient
from models import HandoffTicket
from services.clinical.triage import default_engine
from services.context import ServiceContext
from services.conversation import handoff, handoff_choice, turns
from services.conversation.turns import InboundMessage
from tests.conftest import AUTH
from tests.console_helpers import audit_actions
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

SHANGHAI = ZoneInfo("Asia/Shanghai")


def rasa_reply(request: Recorded) -> tuple[int, object]:
    if not request.path.startswith("/webhooks/rest/webhook"):
        return 200, {}
    sent = request.json()
    return 200, [{"recipient_id": sent["sender"], "text": f"机器人收到：{sent['message']}"}]


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa_reply) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        yield server


CONVERSATION = "wechat:o-patient-1"


def chat(app: Flask, message: str) -> list[str]:
    """One message through the edge, as the WeChat channel hands it over."""
    ctx: ServiceContext = app.extensions["hospital"]  # wired to the fake Rasa by `use`
    engine = ctx.require_dialogue()
    inbound = InboundMessage(channel="wechat", sender="o-patient-1", text=message)
    return [reply.text for reply in turns.handle_message(ctx, engine, default_engine(), inbound)]


def ticket_status(ctx: ServiceContext) -> str:
    with ctx.db.reading() as session:
        return session.scalars(select(HandoffTicket.status)).one()


@pytest.mark.parametrize(
    "leave",
    # simplified, traditional and Cantonese: the same queue is left
    [
        "不要人工了",
        "结束人工",
        "返回",
        "算了，不用人工了",
        "結束人工",
        "不需要轉人工了",
        "唔使人工喇",
        "唔要人工",
        "我自己嚟",
        # set 3's E56 and variants: saying one is done leaves the queue too
        "我还是晚点打电话吧，先退出",
        "退出",
        "不排了",
        "算了我回头再打电话问",
        "好的，再见",
        "不用了",
    ],
)
def test_the_patient_leaves_the_queue(app: Flask, ctx: ServiceContext, rasa: FakeServer, leave: str) -> None:
    handoff.open_ticket(ctx, CONVERSATION, "asked_for_human")
    assert chat(app, leave) == [handoff_choice.LEFT_TEXT]
    assert ticket_status(ctx) == "closed"
    assert "handoff.patient_left" in {e.action for e in audit_actions(ctx)}
    assert chat(app, "你好") == ["机器人收到：你好"]  # the bot answers again


@pytest.mark.parametrize("request_text", ["不要人工了，我要挂号", "我要挂号", "帮我查报告", "唔使人工，我要掛號"])
def test_a_journey_request_leaves_the_queue_and_reaches_the_bot(
    app: Flask, ctx: ServiceContext, rasa: FakeServer, request_text: str
) -> None:
    handoff.open_ticket(ctx, CONVERSATION, "asked_for_human")
    assert chat(app, request_text) == [f"机器人收到：{request_text}"]
    assert ticket_status(ctx) == "closed"


@pytest.mark.parametrize("question", ["我妈的药一天吃几次", "请问要等多久", "你们晚点打电话给我"])
def test_a_question_for_staff_keeps_waiting(app: Flask, ctx: ServiceContext, rasa: FakeServer, question: str) -> None:
    handoff.open_ticket(ctx, CONVERSATION, "asked_for_human")
    [reply] = chat(app, question)
    assert reply.startswith(handoff.PAUSED_REPLY) and ticket_status(ctx) == "open"


def test_the_wait_is_told_by_the_rota(ctx: ServiceContext) -> None:
    monday_morning = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
    assert "8:00-17:30" in handoff_choice.when_answered(ctx, monday_morning)
    sunday = datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI)  # nobody on duty on a Sunday
    told = handoff_choice.when_answered(ctx, sunday)
    assert "明天8:00" in told and "急诊" in told and "120" in told
    new_year = datetime(2026, 12, 31, 18, 0, tzinfo=SHANGHAI)  # 元旦 is closed: the next is 1月4日
    assert "1月4日（周一）8:00" in handoff_choice.when_answered(ctx, new_year)


def test_the_action_server_hears_when_someone_will_answer(client: FlaskClient) -> None:
    body = {"conversation_id": "web:p9", "reason": "asked_for_human"}
    response = client.post("/api/v1/handoffs", json=body, headers=AUTH)
    assert response.status_code == 201 and response.json is not None
    assert "回复" in response.json["answer_when"]


@pytest.mark.parametrize("no_person", ["结束人工", "不要人工了", "唔使人工喇", "結束人工"])
def test_saying_no_to_a_person_with_no_queue_opens_no_hand_off(
    app: Flask, ctx: ServiceContext, rasa: FakeServer, no_person: str
) -> None:
    """The NLU read the 人工 in "结束人工" as a request and opened a ticket the patient had
    just declined; with nothing to leave, the bot simply goes on."""
    assert chat(app, no_person) == [handoff_choice.LEFT_TEXT]
    with ctx.db.reading() as session:
        assert session.scalars(select(HandoffTicket)).all() == []
    assert not [r for r in rasa.requests if r.path.startswith("/webhooks")]
    assert chat(app, "不要人工了，我要挂号") == ["机器人收到：不要人工了，我要挂号"]  # a request still reaches the bot
