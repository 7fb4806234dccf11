"""Red flags told over several messages (issue 10/13): the chat edge reads the
conversation's last few messages of the half hour with a clinical one, so an age in one
message and a fever in the next still get "拨打120" (services/conversation/recent_context.py).
Through `POST /api/v1/chat`, with a bot that falls back on everything, as it did for the
grandmother of the issue. Sources: NICE NG143 (a baby under 28 days with a fever), NICE
NG232 (a head injury on anticoagulants), NICE NG133 (pre-eclampsia from 20 weeks)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from integrations.rasa.client import RasaRestClient
from models import ConversationMessage
from services.context import ServiceContext
from services.conversation import recent_context
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

FALLBACK = "抱歉，我没太听明白，您可以换个说法，或者从下面选一项。"


def falls_back(request: Recorded) -> tuple[int, object]:
    if not request.path.startswith("/webhooks/rest/webhook"):
        return 200, {}
    return 200, [{"recipient_id": request.json()["sender"], "text": FALLBACK}]


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    with fake_server(falls_back) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        yield server


def say(client: FlaskClient, message: str, sender: str = "family-1") -> str:
    response = client.post("/api/v1/chat", json={"sender": sender, "message": message})
    assert response.status_code == 200
    body = response.get_json()
    assert body is not None
    return "\n".join(m["text"] for m in body["messages"])


def is_alert(answer: str) -> bool:
    return "120" in answer and FALLBACK not in answer


def statuses(ctx: ServiceContext) -> list[str]:
    with ctx.db.reading() as session:
        return list(session.scalars(select(ConversationMessage.status).order_by(ConversationMessage.id)))


def test_the_grandmothers_four_turns_reach_120_by_the_second(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    assert not is_alert(say(client, "外孙出生20天 今天摸着发汤"))
    assert is_alert(say(client, "量了腋下38度3"))
    assert statuses(ctx)[-1] == "emergency"
    say(client, "吃奶没以前有劲 老是睡")  # in the emergency state: no follow-up kind, the bot answers
    later = say(client, "能不能明天带去儿科看 晚上不好打车")
    assert "120" in later and FALLBACK not in later


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("孩子出生两周了", "体温38.5"),  # under 28 days, a fever (NICE NG143)
        ("宝宝刚满两周", "今天量了体温38.5度"),
        ("我爸吃着华法林", "刚摔了一跤 磕到头了"),  # a head injury on an anticoagulant (NICE NG232)
        ("孕32周", "头痛眼花 血压160/110"),  # severe pre-eclampsia (NICE NG133)
        ("我老婆怀孕32周了", "头疼得厉害 看东西花 血压160/110"),
    ],
)
def test_a_red_flag_told_in_two_messages_gets_the_alert(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer, first: str, second: str
) -> None:
    assert not is_alert(say(client, first))
    assert is_alert(say(client, second))
    assert statuses(ctx)[-1] == "emergency"


def test_an_adults_fever_with_its_reading_is_no_emergency(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    say(client, "今天有点发烧")
    assert not is_alert(say(client, "38度"))
    assert "emergency" not in statuses(ctx)


def test_another_conversations_messages_are_never_read(app: Flask, ctx: ServiceContext, rasa: FakeServer) -> None:
    say(app.test_client(), "外孙出生20天 今天摸着发汤", sender="grandma")
    assert not is_alert(say(app.test_client(), "量了腋下38度3", sender="someone-else"))
    assert "emergency" not in statuses(ctx)


def test_messages_older_than_half_an_hour_are_not_read(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    say(client, "外孙出生20天 今天摸着发汤")
    with ctx.db.transaction() as session:
        for row in session.scalars(select(ConversationMessage)):
            row.received_at = row.received_at - recent_context.WINDOW - timedelta(minutes=1)
    assert not is_alert(say(client, "量了腋下38度3"))
    assert "emergency" not in statuses(ctx)


def test_a_failed_read_of_earlier_messages_leaves_the_turn_as_it_was(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> list[str]:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    say(client, "外孙出生20天 今天摸着发汤")
    monkeypatch.setattr(recent_context, "_earlier_texts", broken)
    assert FALLBACK in say(client, "量了腋下38度3")


def test_a_red_flag_of_its_own_is_answered_without_the_earlier_messages(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    say(client, "孕32周")
    assert is_alert(say(client, "我女儿出生10天，发烧38.5度"))  # the message's own rule answers
    assert statuses(ctx)[-1] == "emergency"
