"""Going back inside the booking form with a wish said (set 17's N20, tuning material; our own
wording): the bot gets `/go_back` as before, and the words as typed go along in the metadata,
so the booking form reads the wish ("专家") the going back carried."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from integrations.rasa.client import RasaRestClient
from tests.fakes.http_server import FakeServer, fake_server
from tests.fakes.rasa_in_a_form import rasa_in_a_form
from tests.integration.test_handoff_choice import chat
from tests.wiring import use


@pytest.fixture
def in_booking(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa_in_a_form("booking_form", "patient_name")) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        yield server


def _sent(server: FakeServer) -> list[tuple[str, str | None]]:
    bodies = [r.json() for r in server.requests if r.path.startswith("/webhooks")]
    return [(b["message"], (b.get("metadata") or {}).get("typed")) for b in bodies]


def test_going_back_with_a_title_keeps_the_words_for_the_form(app: Flask, in_booking: FakeServer) -> None:
    chat(app, "返回 我想换个专家号的")
    assert _sent(in_booking) == [("/go_back", "返回 我想换个专家号的")]


def test_words_the_form_takes_as_typed_carry_nothing_more(app: Flask, in_booking: FakeServer) -> None:
    chat(app, "返回 后天不行 换成大后天")
    assert _sent(in_booking) == [("返回 后天不行 换成大后天", None)]
