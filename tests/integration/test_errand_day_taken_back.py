"""A day taken back inside an errand about an appointment already made goes on with the
errand (conversation set 8's J33, issue 13): "不对 不是后天 是下周三那个" at the cancellation's
phone question was read as going back and the errand was left for the menu. Inside the
cancellation, appointment-list and reschedule forms the bot gets the words that name the day
meant; elsewhere (the booking form corrects its own answers) the words go as typed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from integrations.rasa.client import RasaRestClient
from services.conversation import errand_days
from tests.fakes.http_server import FakeServer, fake_server
from tests.fakes.rasa_in_a_form import rasa_in_a_form, sent_to_the_bot
from tests.integration.test_handoff_choice import chat
from tests.wiring import use


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("不对 不是后天 是下周三那个", "是下周三那个"),  # J33
        ("说错了，不是明天的，是周五那个", "是周五那个"),
        ("不是明天 是後天", "是后天"),
        ("不是15号 是16号的", "是16号的"),
        ("不对 不是心内科那个 是眼科那个", None),  # a department: the form reads it as typed
        ("不是后天", None),
        ("不对 我要挂明天的", None),
    ],
)
def test_the_day_meant(text: str, meant: str | None) -> None:
    assert errand_days.day_meant(text) == meant


@pytest.fixture
def in_cancel(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa_in_a_form("cancel_form", "phone")) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        yield server


@pytest.fixture
def in_booking(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa_in_a_form("booking_form", "phone")) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        yield server


def test_inside_a_cancellation_the_bot_gets_the_day_meant(app: Flask, in_cancel: FakeServer) -> None:
    chat(app, "不对 不是后天 是下周三那个")
    assert sent_to_the_bot(in_cancel) == ["是下周三那个"]


def test_inside_a_booking_the_words_go_as_typed(app: Flask, in_booking: FakeServer) -> None:
    chat(app, "不对 不是后天 是下周三")
    assert sent_to_the_bot(in_booking) == ["不对 不是后天 是下周三"]
