"""Inside the booking form the chat edge hands the bot a "no rush" day without its "no rush"
and a plain going back as `/go_back` (issue 13, conversation set 12's S28 and S09): the NLU
read "唔使急" as a refusal (the booking stopped) and "返回 …换个早点的" as moving an
appointment (the look-up started). Outside the booking form, and for a real stop, the words
go as typed. Wordings are our own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from integrations.rasa.client import RasaRestClient
from services.conversation import booking_words
from tests.fakes.http_server import FakeServer, fake_server
from tests.fakes.rasa_in_a_form import rasa_in_a_form, sent_to_the_bot
from tests.integration.test_handoff_choice import chat
from tests.wiring import use


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("唔使急 后日得唔得", "后日"),
        ("唔洗咁急，聽日下晝得唔得？", "听日下昼"),
        ("不着急 下礼拜二上午吧", "下礼拜二上午吧"),
        ("慢慢嚟 今日朝早都得", "今日朝早都得"),
        ("返回 这个钟点太迟了 换个早些的", booking_words.GO_BACK),
        ("上一步", booking_words.GO_BACK),
        ("唔使喇 唔挂了", "唔使喇 唔挂了"),  # a real stop
        ("不用了", "不用了"),
        ("唔使急", "唔使急"),  # no day said
        ("返回 后天不行 换成大后天", "返回 后天不行 换成大后天"),  # a new day: the form takes it
        ("返回 换成下午的", "返回 换成下午的"),
        ("返回 改挂皮肤科", "返回 改挂皮肤科"),
        ("上一步 名字应该是王芳", "上一步 名字应该是王芳"),
        ("返回 要孔医生的", "返回 要孔医生的"),
    ],
)
def test_the_words_for_the_booking_form(text: str, meant: str) -> None:
    assert booking_words.for_the_bot(text, "booking_form") == meant


def test_other_forms_get_the_words_as_typed() -> None:
    assert booking_words.for_the_bot("唔使急 后日得唔得", "cancel_form") == "唔使急 后日得唔得"
    assert booking_words.for_the_bot("返回", None) == "返回"


@pytest.fixture
def in_booking(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa_in_a_form("booking_form", "patient_name")) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        yield server


@pytest.fixture
def in_nothing(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa_in_a_form(None, "patient_name")) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        yield server


def test_inside_a_booking_the_bot_gets_the_day_and_the_going_back(app: Flask, in_booking: FakeServer) -> None:
    chat(app, "唔使急 后日得唔得")
    chat(app, "返回 这个钟点太迟了 换个早些的")
    assert sent_to_the_bot(in_booking) == ["后日", "/go_back"]


def test_outside_a_booking_the_words_go_as_typed(app: Flask, in_nothing: FakeServer) -> None:
    chat(app, "返回 这个钟点太迟了 换个早些的")
    assert sent_to_the_bot(in_nothing) == ["返回 这个钟点太迟了 换个早些的"]


def test_other_words_never_ask_the_tracker(app: Flask, in_booking: FakeServer) -> None:
    chat(app, "皮肤科")
    assert not [r for r in in_booking.requests if "/tracker" in r.path]
