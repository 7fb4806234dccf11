"""A patient who asks to be rung is handed to a person, and an elder's "I cannot type, my eyes
are poor" is no emergency (conversation set 8's J18, issue 13).

J18, an 80-year-old who could not work the chat, asked "你们能不能打个电话给我 我慢慢说": the NLU
read faq/phone and he got the hospital's number, never a person; then "我老头子不会打字 眼睛也不好"
got the 120 advice from the learned layer alone (P 0.50). The hospital does not call out, so a
request to be called opens a hand-off (a person answers in the chat) and says so. The
patient's words and variants of our own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from integrations.rasa.client import RasaRestClient
from services.clinical.triage import TriageEngine, default_engine
from services.clinical.triage.edge import emergency_hits
from services.conversation import handoff_choice
from tests.fakes.http_server import FakeServer, fake_server
from tests.integration.test_handoff_choice import chat, rasa_reply
from tests.wiring import use


@pytest.fixture(scope="module")
def engine() -> TriageEngine:
    return default_engine()


@pytest.fixture
def bot(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa_reply) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        yield server


CALL_ME = [
    "你们能不能打个电话给我 我慢慢说",  # J18
    "能给我回个电话吗 打字太费劲了",
    "你们打个电话过来吧，我说给你们听",
    "麻烦找个人给我打电话",
    "你們可唔可以打個電話畀我",
]


@pytest.mark.parametrize("text", CALL_ME[:4])
def test_asking_to_be_rung_is_asking_for_a_person(text: str) -> None:
    assert handoff_choice.asks_to_be_called(text)


@pytest.mark.parametrize(
    "text",
    ["我能打电话问吗", "你们医院电话多少", "我的电话是13912345678", "预约好了给我打个电话通知一下", "急诊电话是多少"],
)
def test_calling_us_or_a_journey_is_not(text: str) -> None:
    assert not handoff_choice.asks_to_be_called(text)


@pytest.mark.parametrize("text", ["你能不能叫个人跟我说话 打电话给我也行", "叫个人和我聊 我看不懂这个"])
def test_an_elder_asking_for_someone_to_talk_to_gets_a_person_not_120(app: Flask, bot: FakeServer, text: str) -> None:
    """Set 10's L44: after "字太小了 我眼睛不好使" the 80-year-old asked for someone to talk to
    him or ring him, and the learned layer alone answered 120 (routing.yml errand_words now
    hold these words); the hand-off he asked for was never opened."""
    said = chat(app, text)
    sent = [r.json()["message"] for r in bot.requests if r.path.startswith("/webhooks")]
    assert sent == [handoff_choice.HANDOFF_TRIGGER]
    assert not any("120" in line for line in said)


def test_the_edge_hands_a_call_me_request_to_the_bot_as_a_request_for_a_person(app: Flask, bot: FakeServer) -> None:
    said = chat(app, CALL_ME[0])
    sent = [r.json()["message"] for r in bot.requests if r.path.startswith("/webhooks")]
    assert sent == [handoff_choice.HANDOFF_TRIGGER]
    assert said[0] == handoff_choice.CALL_ME_TEXT and said[1].endswith(handoff_choice.HANDOFF_TRIGGER)


@pytest.mark.parametrize(
    "text",
    ["我老头子不会打字 眼睛也不好", "我不会用手机 眼神也不行", "字太小 我眼睛不好使", "我不会弄这个 眼睛花"],
)
def test_an_elder_who_cannot_work_the_chat_gets_no_120(engine: TriageEngine, text: str) -> None:
    assert emergency_hits(engine, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "我不会打字 胸口疼得厉害 喘不上气",
        "我不会用手机 我妈突然说话不清楚 一边手没劲",
        "字太小了 我爸刚才晕倒了叫不醒",
        "我不会打字 眼睛突然看不见了",
    ],
)
def test_an_emergency_beside_the_chat_trouble_still_gets_120(engine: TriageEngine, text: str) -> None:
    assert emergency_hits(engine, text)
