"""A copy of one's records reaches the FAQ action whatever the NLU reads (conversation set 14's
X50, tuning material): "我想复印住院病历" fell back, replayed after the consent question, and
"能寄吗 我人在外地" right after the answer was handed to a person. The edge sends both as
``/faq`` with the words as typed; a look-alike elsewhere goes on as typed. Our own wordings."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.rasa.client import DialogueEngine, RasaUnavailable, TranscriptLine, Turn
from services.conversation import turns
from services.conversation.records_copy import FAQ_TRIGGER, asks_for_copy
from services.hospital_facts import load_facts


class _Engine(DialogueEngine):
    def __init__(self, last: str = "", down: bool = False) -> None:
        self.last, self.down, self.asks = last, down, 0

    def send(self, sender: str, text: str, metadata: dict[str, Any]) -> Turn:
        raise AssertionError("not sent here")

    def set_slot(self, sender: str, name: str, value: object) -> None:
        pass

    def active_loop(self, sender: str) -> str | None:
        return None

    def requested_slot(self, sender: str) -> str | None:
        return None

    def transcript(self, sender: str, limit: int = 60) -> list[TranscriptLine]:
        self.asks += 1
        if self.down:
            raise RasaUnavailable("down")
        return [TranscriptLine("me", "复印病历"), TranscriptLine("bot", self.last)]


def _message(text: str) -> turns.InboundMessage:
    return turns.InboundMessage(channel="web", sender="s1", text=text)


@pytest.mark.parametrize("text", ["我想复印住院病历", "複印病歷", "出院小结可以邮寄吗", "病案能打印一份不"])
def test_a_copy_asked_for_goes_to_the_faq_with_the_words(text: str) -> None:
    engine = _Engine()
    got = turns._records_copy(engine, "r1", _message(text))
    assert got.text == FAQ_TRIGGER and got.metadata["typed"] == text
    assert engine.asks == 0  # the words alone decide


@pytest.mark.parametrize("text", ["能寄吗 我人在外地", "可以邮寄吗", "要带啥证件"])
def test_a_follow_up_right_after_the_records_answer_goes_there_too(text: str) -> None:
    facts = load_facts()
    for last in (facts.medical_records, facts.medical_records_mailing):
        got = turns._records_copy(_Engine(last), "r1", _message(text))
        assert got.text == FAQ_TRIGGER and got.metadata["typed"] == text


@pytest.mark.parametrize("text", ["能寄吗 我人在外地", "要带啥证件"])
def test_the_same_words_elsewhere_go_on_as_typed(text: str) -> None:
    assert turns._records_copy(_Engine("想约哪一天？"), "r1", _message(text)).text == text
    assert turns._records_copy(_Engine(load_facts().medical_records, down=True), "r1", _message(text)).text == text


@pytest.mark.parametrize("text", ["病历上写的什么意思", "我要复印身份证", "看病要带病历本吗", "明天下午", "/affirm"])
def test_no_copy_goes_on_as_typed(text: str) -> None:
    """At the registration's ID question, "我要复印身份证" is no records errand."""
    engine = _Engine("请输入就诊人的身份证号（18位）：")
    assert not asks_for_copy(text)
    assert turns._records_copy(engine, "r1", _message(text)).text == text


def test_the_tracker_is_read_only_for_words_that_may_follow_up() -> None:
    engine = _Engine(load_facts().medical_records)
    for text in ("病历上写的什么意思", "明天下午", "/affirm"):
        assert turns._records_copy(engine, "r1", _message(text)).text == text
    assert engine.asks == 0
