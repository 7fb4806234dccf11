"""Cancel decided inside an appointment errand reaches the bot as a cancellation (issue 13,
conversation set 13's W41 and W04, tuning material): "算了 …取消吧" was read as "stop" or "no",
and "对 确定取消" right after "预约保留不变" fell back to the menu. Our own wordings."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.rasa.client import DialogueEngine, RasaUnavailable, TranscriptLine, Turn
from services.conversation import turns
from services.conversation.cancel_said import CANCEL_INTENT, CONFIRM, KEPT_TEXT, for_the_bot, is_moving, says_cancel

DECIDED = [
    "算了 还是直接取消吧",
    "算了 取消吧",
    "那算了 退了吧",
    "對 確定取消",
    "还是取消吧",
    "取消吧",
    "不改了 直接退掉",
]
NOT_DECIDED = [
    "算了",
    "算了 不取消了",
    "别取消",
    "取消了钱什么时候退",
    "取消能退钱吗？",
    "取消 改到下周",
    "取消 转人工",
    "我要取消另一个",
]


@pytest.mark.parametrize("text", DECIDED)
def test_a_cancellation_decided(text: str) -> None:
    assert says_cancel(text)


@pytest.mark.parametrize("text", NOT_DECIDED)
def test_a_stop_a_no_or_a_question_is_not(text: str) -> None:
    assert not says_cancel(text)
    for loop, asked in [("cancel_form", "confirm_cancel"), ("reschedule_form", "otp_code"), (None, None)]:
        assert for_the_bot(text, loop, asked, KEPT_TEXT) == text


@pytest.mark.parametrize("text", DECIDED)
def test_where_the_words_go(text: str) -> None:
    assert for_the_bot(text, "cancel_form", "confirm_cancel") == CONFIRM
    for loop in ("cancel_form", "reschedule_form"):
        for asked in ("phone", "otp_code"):
            assert for_the_bot(text, loop, asked) == CANCEL_INTENT
    assert for_the_bot(text, "reschedule_form", "appointment_id") == CANCEL_INTENT
    assert for_the_bot(text, None, None, KEPT_TEXT) == CANCEL_INTENT


@pytest.mark.parametrize(
    ("loop", "asked", "last"),
    [
        ("booking_form", "phone", ""),
        ("results_form", "otp_code", ""),
        (None, None, "好的，已为您预约。"),
        (None, None, ""),
    ],
)
def test_elsewhere_the_words_as_typed(loop: str | None, asked: str | None, last: str) -> None:
    assert for_the_bot("算了 还是直接取消吧", loop, asked, last) == "算了 还是直接取消吧"


class _Engine(DialogueEngine):
    def __init__(self, loop: str | None, asked: str | None, last: str = "", down: bool = False) -> None:
        self.loop, self.asked, self.last, self.down, self.asks = loop, asked, last, down, 0

    def send(self, sender: str, text: str, metadata: dict[str, Any]) -> Turn:
        raise AssertionError("not sent here")

    def set_slot(self, sender: str, name: str, value: object) -> None:
        pass

    def active_loop(self, sender: str) -> str | None:
        self.asks += 1
        if self.down:
            raise RasaUnavailable("down")
        return self.loop

    def requested_slot(self, sender: str) -> str | None:
        return self.asked

    def transcript(self, sender: str, limit: int = 60) -> list[TranscriptLine]:
        return [
            TranscriptLine("bot", "确定要取消这个预约吗？"),
            TranscriptLine("me", "2"),
            TranscriptLine("bot", self.last),
        ]


def _message(text: str) -> turns.InboundMessage:
    return turns.InboundMessage(channel="web", sender="s1", text=text)


def test_the_edge_hands_on_the_cancellation_with_the_words_typed() -> None:
    got = turns._cancel_said(_Engine(None, None, KEPT_TEXT), "r1", _message("对 确定取消"))
    assert got.text == CANCEL_INTENT and got.metadata["typed"] == "对 确定取消"
    got = turns._cancel_said(_Engine("reschedule_form", "otp_code"), "r1", _message("算了 还是直接取消吧"))
    assert got.text == CANCEL_INTENT


def test_the_tracker_is_asked_only_for_such_words_and_a_down_bot_keeps_them() -> None:
    engine = _Engine("cancel_form", "confirm_cancel")
    assert turns._cancel_said(engine, "r1", _message("算了")).text == "算了" and engine.asks == 0
    down = _Engine(None, None, KEPT_TEXT, down=True)
    assert turns._cancel_said(down, "r1", _message("还是取消吧")).text == "还是取消吧"


def test_at_a_moves_new_day_the_cancellation_is_handed_on() -> None:
    assert for_the_bot("算了 还是直接取消吧", "booking_form", "date", moving=True) == CANCEL_INTENT
    assert for_the_bot("算了 还是直接取消吧", "booking_form", "date") == "算了 还是直接取消吧"  # a new booking
    assert is_moving(["好的，我们来换个时间，新号约好后旧的会自动取消。", "想约哪一天？"])
    assert not is_moving(["想约哪一天？"])
