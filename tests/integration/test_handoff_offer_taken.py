"""A person offered is taken up in the patient's own words (issue 13, conversation set 12's S46,
tuning material): after "字太小 看不清" the edge offered a person and the phone, the elder wrote
"有没有人能接电话帮我弄" and got the hospital's number twice, and no hand-off was opened. Right
after an offer (the edge's own, or the one after two fallbacks), words that ask for a person
reach the bot as the button's "/request_human" (which opens the ticket and says when staff
answer); without an offer a phone question stays a phone question. Our own wordings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from integrations.rasa.client import RasaRestClient
from services.conversation import handoff, handoff_choice
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.integration.test_handoff_choice import chat
from tests.wiring import use

UNREAD = "你说的这个我一点也看不明白"  # the fake bot falls back on these words


def fake_bot(request: Recorded) -> tuple[int, object]:
    if not request.path.startswith("/webhooks/rest/webhook"):
        return 200, {}
    sent = request.json()
    text = f"{handoff.FALLBACK_MARKER}，请换个说法" if sent["message"] == UNREAD else f"机器人收到：{sent['message']}"
    return 200, [{"recipient_id": sent["sender"], "text": text}]


@pytest.fixture
def bot(app: Flask) -> Iterator[FakeServer]:
    with fake_server(fake_bot) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        yield server


def sent(bot: FakeServer) -> list[str]:
    return [r.json()["message"] for r in bot.requests if r.path.startswith("/webhooks")]


TAKEN = ["有没有人能接电话帮我弄", "找个人帮我", "有人帮我吗", "我要真人", "你们有人吗", "叫个人来帮我弄一下"]


@pytest.mark.parametrize("text", TAKEN)
def test_words_asking_for_a_person_take_the_offer(text: str) -> None:
    assert handoff_choice.accepts_offer(text, handoff_choice.ASKED)
    assert handoff_choice.accepts_offer(text, handoff_choice.BUTTONS)
    assert not handoff_choice.accepts_offer(text, None)  # no offer: not this


@pytest.mark.parametrize("text", ["好", "要", "好的 麻烦了", "嗯嗯", "转吧"])
def test_a_plain_yes_takes_only_an_offer_that_asked(text: str) -> None:
    assert handoff_choice.accepts_offer(text, handoff_choice.ASKED)
    assert not handoff_choice.accepts_offer(text, handoff_choice.BUTTONS)  # "换个说法，或者选一个"


@pytest.mark.parametrize(
    "text", ["不用找人了", "回到主菜单", "我要挂号", "算了", "医院电话多少", "我打电话给谁", "不要人工了"]
)
def test_a_no_a_journey_or_a_phone_question_does_not(text: str) -> None:
    assert not handoff_choice.accepts_offer(text, handoff_choice.ASKED)


def test_which_answers_left_an_offer_open() -> None:
    assert handoff_choice.offer_pending(None, handoff_choice.OFFER_INTENT, 0) == handoff_choice.ASKED
    assert handoff_choice.offer_pending("fallback", "nlu_fallback", 0) == handoff_choice.BUTTONS  # the second
    assert handoff_choice.offer_pending("fallback", "nlu_fallback", 1) is None  # the first: no offer yet
    assert handoff_choice.offer_pending("answered", "faq", 0) is None


def test_the_elders_words_after_the_offer_open_a_hand_off_and_give_the_phone(app: Flask, bot: FakeServer) -> None:
    offered = chat(app, "我看不懂这些 字太小")
    assert offered[0].startswith("没关系，慢慢来") and not sent(bot)  # the edge's own offer
    said = chat(app, "有没有人能接电话帮我弄")
    assert sent(bot) == [handoff_choice.HANDOFF_TRIGGER]
    assert said[0].endswith(handoff_choice.HANDOFF_TRIGGER)  # the bot's hand-off (its rota words)
    assert said[-1].startswith("想打电话的话，医院电话是")


def test_a_yes_after_the_offer_hands_off_without_the_phone(app: Flask, bot: FakeServer) -> None:
    chat(app, "这个怎么弄啊 我不会")
    said = chat(app, "好的")
    assert sent(bot) == [handoff_choice.HANDOFF_TRIGGER]
    assert len(said) == 1


def test_without_an_offer_the_phone_question_goes_as_typed(app: Flask, bot: FakeServer) -> None:
    chat(app, "医院电话多少")
    chat(app, "有人帮我吗")
    assert sent(bot) == ["医院电话多少", "有人帮我吗"]


def test_the_offer_is_only_open_for_the_next_message(app: Flask, bot: FakeServer) -> None:
    chat(app, "字太小 看不清")
    chat(app, "医院电话多少")  # answered by the bot: the offer is gone
    chat(app, "你们有人吗")
    assert sent(bot) == ["医院电话多少", "你们有人吗"]


def test_the_offer_after_two_fallbacks_is_taken_by_asking_for_a_person(app: Flask, bot: FakeServer) -> None:
    chat(app, UNREAD)
    offered = chat(app, UNREAD)
    assert offered[-1] == handoff_choice.OFFER_TEXT
    chat(app, "有人帮我吗")
    assert sent(bot) == [UNREAD, UNREAD, handoff_choice.HANDOFF_TRIGGER]


def test_after_one_fallback_a_yes_or_a_person_word_goes_as_typed(app: Flask, bot: FakeServer) -> None:
    chat(app, UNREAD)
    chat(app, "有人帮我吗")
    assert sent(bot) == [UNREAD, "有人帮我吗"]
