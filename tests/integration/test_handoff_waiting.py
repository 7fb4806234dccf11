"""What a patient waiting for a person hears, by what they said, and a complaint offered a
person before the bot guesses at it (blind set 4's hand-off class; wordings our own)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from integrations.rasa.client import RasaRestClient
from models import HandoffTicket
from services.context import ServiceContext
from services.conversation import handoff, handoff_choice
from services.hospital_facts import load_facts
from tests.fakes.http_server import FakeServer, fake_server
from tests.integration.test_handoff_choice import CONVERSATION, chat, rasa_reply, ticket_status
from tests.wiring import use

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUNDAY = datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI)  # nobody on duty
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text", ["麻烦让客服回个电话给我", "我手机号是13912345678，打过来就行", "能不能联系我一下"])
def test_a_callback_asked_for_is_told_how_the_answer_comes(ctx: ServiceContext, text: str) -> None:
    reply = handoff_choice.paused_reply(ctx, text, SUNDAY).text
    assert reply.startswith(handoff.PAUSED_REPLY) and handoff_choice.CALLBACK_TEXT in reply
    assert "明天8:00" in reply and "不要人工了" in reply  # still when, and how to leave


@pytest.mark.parametrize("text", ["可以打电话吗", "医院电話多少", "有没有电话可以打过去"])
def test_a_phone_call_asked_about_gets_the_number_and_keeps_the_place(ctx: ServiceContext, text: str) -> None:
    reply = handoff_choice.paused_reply(ctx, text, MONDAY).text
    assert load_facts().phone in reply and "排队也保留着" in reply and "8:00-17:30" in reply


@pytest.mark.parametrize("text", ["客服呢？？", "我只跟真人讲", "找你们负责人来", "轉人工轉人工"])
def test_a_person_asked_for_again_hears_the_place_is_kept(ctx: ServiceContext, text: str) -> None:
    reply = handoff_choice.paused_reply(ctx, text, SUNDAY).text
    assert handoff_choice.QUEUED_TEXT in reply and "明天8:00" in reply


def test_anything_else_while_waiting_is_the_plain_wait(ctx: ServiceContext) -> None:
    reply = handoff_choice.paused_reply(ctx, "我妈的药一天吃几次", SUNDAY)
    assert reply == handoff_choice.waiting_reply(ctx, SUNDAY)


@pytest.mark.parametrize(
    "text", ["护士的服务态度非常恶劣", "什么破医院，等了一上午", "医生爱理不理的，我要投诉", "收费處態度好差"]
)
def test_a_complaint_is_offered_a_person(text: str) -> None:
    offer = handoff_choice.complaint_offer(text)
    assert offer is not None and offer.buttons == handoff_choice.OFFER_BUTTONS


@pytest.mark.parametrize("text", ["最近胃口很差", "睡眠质量差", "投诉完了，帮我挂个号", "投诉！转人工！", "找你们领导"])
def test_a_symptom_a_journey_or_a_person_asked_outright_is_left_to_the_bot(text: str) -> None:
    assert handoff_choice.complaint_offer(text) is None


@pytest.mark.parametrize("text", ["屏幕上的字好小，我看不清字", "手机怎么用啊 我不会", "俺不会打字", "这东西我弄不来"])
def test_a_patient_who_cannot_work_the_chat_is_offered_a_person_and_the_phone(text: str) -> None:
    offer = handoff_choice.person_offer(text)
    assert offer is not None and offer.buttons == handoff_choice.OFFER_BUTTONS and load_facts().phone in offer.text


@pytest.mark.parametrize("text", ["左眼看不清两天了", "看东西模糊", "怎么挂号", "我不会挂号，帮我挂个眼科"])
def test_an_eye_complaint_or_a_how_to_is_left_to_the_bot(text: str) -> None:
    assert handoff_choice.person_offer(text) is None


# --- through the chat edge every channel shares (services/conversation/turns.py) ---------


@pytest.fixture
def bot(app: Flask) -> Iterator[FakeServer]:
    """A fake Rasa that echoes: any reply from it means the message went past the edge."""
    with fake_server(rasa_reply) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        yield server


def test_the_edge_answers_a_waiting_patient_by_what_they_said(app: Flask, ctx: ServiceContext, bot: FakeServer) -> None:
    handoff.open_ticket(ctx, CONVERSATION, "asked_for_human")
    [again] = chat(app, "人工客服！！")
    [call] = chat(app, "能打电话吗")
    assert handoff_choice.QUEUED_TEXT in again and load_facts().phone in call
    assert ticket_status(ctx) == "open"  # still waiting for a person: nothing here leaves the queue
    assert not [r for r in bot.requests if r.path.startswith("/webhooks")]


def test_the_edge_offers_a_person_for_a_complaint_before_the_bot(
    app: Flask, ctx: ServiceContext, bot: FakeServer
) -> None:
    assert chat(app, "你们护士态度太差了") == [handoff_choice.COMPLAINT_TEXT]
    assert not [r for r in bot.requests if r.path.startswith("/webhooks")]
    with ctx.db.reading() as session:
        assert session.scalars(select(HandoffTicket)).all() == []  # offered, not opened on its own
