"""A detail after the advice that only denies signs never raises the level (set 9's K13, set
8's J27, issue 13): "娃腿上被蚊子咬了好多包" was told self-care, then "不发烧 没有红一大片 没流脓
嘴唇眼睛都不肿 精神挺好" re-assessed with it came out routine. Denials add no risk, so the answer
on the complaint without them stands; a new sign, a number or an emergency is assessed as
before. The patients' words and variants of our own."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import triage as triage_module
from actions.triage import ActionTriage
from actions.triage_answers import only_denies
from tests.actions.helpers import make_tracker, slot_events

BITES = "娃腿上被蚊子咬了好多包"


class Levels:
    """A triage service whose level depends on the words: more words, more caution."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.sent: list[str] = []

    def departments(self) -> list[dict[str, str]]:
        return [{"code": "dermatology", "name": "皮肤科"}]

    def triage(self, text: str, age: Any = None, sex: Any = None) -> dict[str, Any]:
        self.sent.append(text)
        level = next((lvl for words, lvl in self.answers.items() if words in text), "self_care")
        return {"level": level, "departments": ["dermatology"], "advice": ""}


def answered(level: str, *details: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": BITES, "parse_data": {"intent": {"name": "report_symptom"}}},
        {"event": "action", "name": "action_reset_journey"},
        {"event": "user", "text": "五岁 一直挠", "parse_data": {"intent": {"name": "inform"}}},
        {"event": "action", "name": "action_triage"},
        {"event": "slot", "name": "triage_level", "value": level},
        {"event": "bot", "text": "目前看情况不太严重"},
    ]
    for detail in details[:-1]:
        events.append({"event": "user", "text": detail, "parse_data": {"intent": {"name": "report_symptom"}}})
    events.append({"event": "action", "name": "action_reset_journey"})
    events.append({"event": "slot", "name": "triage_level", "value": None})
    return events


async def run(monkeypatch: pytest.MonkeyPatch, answers: dict[str, str], detail: str, domain: dict) -> tuple:
    service = Levels(answers)
    monkeypatch.setattr(triage_module.common, "backend", lambda: service)
    tracker = make_tracker(
        slots={"age": "5"}, text=detail, intent="report_symptom", events=answered("self_care", detail)
    )
    events = await ActionTriage().run(CollectingDispatcher(), tracker, domain)
    return slot_events(events)["triage_level"], service.sent


@pytest.mark.parametrize(
    "text",
    [
        "不发烧 没有红一大片 没流脓 嘴唇眼睛都不肿 精神挺好",  # K13
        "不疼 不流水 也不是突然聋的 不头晕",  # K08
        "不咳嗽 也不憋气 吃饭睡觉都挺好",
    ],
)
def test_denials_and_reassurance(text: str) -> None:
    assert only_denies(text)


@pytest.mark.parametrize(
    "text", ["精神不好 不吃东西", "没发烧 量了36.8", "没吐 但是一直头疼", "叫不醒", "嘴唇发紫 不喘", "脸有点肿了"]
)
def test_a_sign_or_a_number_is_not_only_denials(text: str) -> None:
    assert not only_denies(text)


async def test_denials_after_self_care_keep_self_care(monkeypatch: pytest.MonkeyPatch, domain: dict) -> None:
    detail = "不发烧 没有红一大片 没流脓 嘴唇眼睛都不肿 精神挺好"
    level, sent = await run(monkeypatch, {"红一大片": "routine"}, detail, domain)
    assert level == "self_care"
    assert detail in sent[0] and detail not in sent[1]


async def test_a_new_sign_after_the_advice_still_raises_it(monkeypatch: pytest.MonkeyPatch, domain: dict) -> None:
    level, _ = await run(monkeypatch, {"肿了": "urgent"}, "现在脸有点肿了", domain)
    assert level == "urgent"


async def test_an_emergency_is_never_held_back(monkeypatch: pytest.MonkeyPatch, domain: dict) -> None:
    level, _ = await run(monkeypatch, {"不肿": "emergency"}, "嘴唇眼睛都不肿", domain)
    assert level == "emergency"
