"""Hand-off to a person: opened by the action server or by two fallbacks in a
row, the bot paused meanwhile, staff reading a masked conversation, replying on
the patient's own channel (web chat by polling, WeChat through the outbox), and
handing back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from integrations.rasa.client import RasaRestClient
from models import ConversationMessage, HandoffTicket
from services.context import ServiceContext
from services.conversation import handoff, handoff_choice
from tests.conftest import AUTH
from tests.console_helpers import audit_actions, login, make_staff, post
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.web_chat import web_conversation
from tests.wiring import use

FALLBACK = "抱歉，我没太听明白，您可以换个说法，或回复“人工”转人工客服。"


def rasa_reply(request: Recorded) -> tuple[int, object]:
    if not request.path.startswith("/webhooks/rest/webhook"):
        return 200, {}
    sent = request.json()
    text = FALLBACK if "乱码" in sent["message"] else "您好，我是导诊助手。"
    return 200, [{"recipient_id": sent["sender"], "text": text}]


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa_reply) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        yield server


def chat(client: FlaskClient, message: str, sender: str = "p1") -> list[str]:
    response = client.post("/api/v1/chat", json={"sender": sender, "message": message})
    assert response.status_code == 200
    return [m["text"] for m in response.json["messages"]]


def bot_calls(rasa: FakeServer) -> int:
    return len([r for r in rasa.requests if r.path.startswith("/webhooks")])


def statuses(ctx: ServiceContext) -> list[str]:
    with ctx.db.reading() as session:
        return list(session.scalars(select(ConversationMessage.status).order_by(ConversationMessage.id)))


def test_the_action_server_opens_one_ticket_per_conversation(client: FlaskClient) -> None:
    body = {"conversation_id": "web:p1", "reason": "asked_for_human"}
    assert client.post("/api/v1/handoffs", json=body).status_code == 401
    first = client.post("/api/v1/handoffs", json=body, headers=AUTH)
    assert first.status_code == 201 and first.json["created"] is True
    again = client.post("/api/v1/handoffs", json=body, headers=AUTH)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    for bad in ({"conversation_id": "fax:1"}, {"conversation_id": "web:p1", "reason": "bored"}, {}):
        response = client.post("/api/v1/handoffs", json=bad, headers=AUTH)
        assert response.status_code == 422 and response.json["error"] == "invalid"


def test_while_a_ticket_is_open_the_bot_is_paused_but_messages_are_kept(
    app: Flask, client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    client.get("/")  # the page issues the chat session
    handoff.open_ticket(ctx, web_conversation(app, client, "p1"), "asked_for_human")
    [waiting] = chat(client, "我想问问药怎么吃")
    assert waiting.startswith(handoff.PAUSED_REPLY) and "不要人工了" in waiting
    assert bot_calls(rasa) == 0
    assert statuses(ctx) == ["handed_off"]
    assert chat(client, "你好", sender="someone-else") == ["您好，我是导诊助手。"]  # only that patient
    # Red flags still come first, whoever has the conversation.
    assert "120" in chat(client, "我胸口压着疼，一直出冷汗")[0]


def test_two_fallbacks_in_a_row_offer_a_person_without_transferring(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    assert chat(client, "乱码一") == [FALLBACK]
    assert chat(client, "你好") == ["您好，我是导诊助手。"]  # the streak starts again
    assert chat(client, "乱码二") == [FALLBACK]
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": "乱码三"}).json["messages"]
    assert [m["text"] for m in response] == [FALLBACK, handoff_choice.OFFER_TEXT]
    assert {"title": "1 找人工客服", "payload": "/request_human"} in response[1]["buttons"]
    assert chat(client, "还在吗") == ["您好，我是导诊助手。"]  # nobody was put in a queue
    assert statuses(ctx) == ["fallback", "answered", "fallback", "fallback", "answered"]
    with ctx.db.reading() as session:
        assert session.scalars(select(HandoffTicket)).all() == []


def test_staff_read_a_masked_conversation_reply_on_the_web_chat_and_hand_back(
    app: Flask, client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    chat(client, "我的手机13812345678，身份证110105198001010038")
    ticket_id, _ = handoff.open_ticket(ctx, web_conversation(app, client, "p1"), "asked_for_human")
    chat(client, "有人吗")
    agent = app.test_client()
    login(agent, "kefu", make_staff(ctx, "kefu", "support"))
    inbox = agent.get("/console/handoffs").get_data(as_text=True)
    assert f"#{ticket_id}" in inbox and "患者要求转人工" in inbox
    assert "查看原因" in agent.get(f"/console/handoffs/{ticket_id}").get_data(as_text=True)
    assert post(agent, f"/console/handoffs/{ticket_id}/why", why="回复患者咨询").status_code == 302
    page = agent.get(f"/console/handoffs/{ticket_id}").get_data(as_text=True)
    assert "138****5678" in page and "110105********0038" in page
    assert "13812345678" not in page and "110105198001010038" not in page
    assert "有人吗" in page

    assert post(agent, f"/console/handoffs/{ticket_id}/reply", text="您好，我是客服小王", why="x").status_code == 302
    pending = client.get("/api/v1/chat/pending?sender=p1").json
    assert pending == {"messages": [{"text": "您好，我是客服小王", "buttons": []}], "handoff": True}
    assert client.get("/api/v1/chat/pending?sender=p1").json["messages"] == []  # shown once
    assert post(agent, f"/console/handoffs/{ticket_id}/close").status_code == 302
    after = client.get("/api/v1/chat/pending?sender=p1").json
    assert after == {"messages": [{"text": handoff.HANDED_BACK, "buttons": []}], "handoff": False}
    assert chat(client, "你好") == ["您好，我是导诊助手。"]  # the bot answers again
    actions = [(e.action, e.reason) for e in audit_actions(ctx)]
    assert ("handoff.view", "回复患者咨询") in actions
    assert {"handoff.claim", "handoff.reply", "handoff.close"} <= {a for a, _ in actions}
    assert client.get("/api/v1/chat/pending?sender=bad sender").status_code == 422


def test_a_wechat_patient_gets_the_reply_through_the_outbox(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    ticket_id, _ = handoff.open_ticket(ctx, "wechat:openid-abc", "asked_for_human")
    agent = app.test_client()
    login(agent, "kefu", make_staff(ctx, "kefu", "support"))
    post(agent, f"/console/handoffs/{ticket_id}/reply", text="您好，这里是人工客服")
    sent = client.get("/api/v1/dev/outbox?to=openid-abc", headers=AUTH).json
    messages = sent["messages"] if isinstance(sent, dict) else sent
    assert [(m["channel"], m["kind"], m["text"]) for m in messages] == [
        ("wechat", "handoff_reply", "您好，这里是人工客服")
    ]


def test_a_closed_ticket_takes_no_more_replies_and_a_claimed_one_is_not_taken_over(
    app: Flask, ctx: ServiceContext
) -> None:
    ticket_id, _ = handoff.open_ticket(ctx, "web:p9", "asked_for_human")
    first, second = app.test_client(), app.test_client()
    login(first, "kefu1", make_staff(ctx, "kefu1", "support"))
    login(second, "kefu2", make_staff(ctx, "kefu2", "support"))
    assert post(first, f"/console/handoffs/{ticket_id}/claim").status_code == 302
    assert post(second, f"/console/handoffs/{ticket_id}/claim").status_code == 409
    assert post(first, f"/console/handoffs/{ticket_id}/close").status_code == 302
    assert post(first, f"/console/handoffs/{ticket_id}/reply", text="还在吗").status_code == 409
