"""Details added right after a triage answer's booking offer (conversation set 14's X38,
tuning material): "没摔过 也不肿" after "要我帮您预约骨科吗？" was read as a deny and answered "还有
别的需要帮忙吗？". The chat edge now hands such words to triage as ``/report_symptom`` with the
words as the symptom (services/conversation/triage_details.py); here, what the actions make of
that message: the journey keeps the complaint, how long and the age; the words are assessed with
them; denials alone never raise the level, and the patient hears "您补充的情况我都考虑进去了…"
with the booking offered again; a new sign raises it; an emergency said before stays. X38's
words, dialect and traditional look-alikes, and signs that are not denials."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import triage as triage_module
from actions.general import ActionResetJourney
from actions.triage import SAME_ANSWER, ActionTriage
from actions.triage_answers import only_denies
from tests.actions.helpers import make_tracker, responses, slot_events

KNEE = "我膝盖疼 上下楼梯疼得厉害"


class Levels:
    """A triage service whose level depends on the words (the first words found win)."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.sent: list[str] = []

    def departments(self) -> list[dict[str, str]]:
        return [{"code": "orthopedics", "name": "骨科"}, {"code": "rheumatology", "name": "风湿免疫科"}]

    def triage(self, text: str, age: Any = None, sex: Any = None) -> dict[str, Any]:
        self.sent.append(text)
        level = next((lvl for words, lvl in self.answers.items() if words in text), "routine")
        departments = ["emergency", "orthopedics"] if level == "emergency" else ["orthopedics", "rheumatology"]
        return {"level": level, "departments": departments, "advice": ""}


def _x38(level: str) -> list[dict[str, Any]]:
    """X38 up to the offer: the complaint, how long, the age, the answer and its offer."""
    return [
        {"event": "user", "text": KNEE, "parse_data": {"intent": {"name": "report_symptom"}}},
        {"event": "action", "name": "action_reset_journey"},
        {"event": "user", "text": "好几个月了 阴天下雨更疼", "parse_data": {"intent": {"name": "inform"}}},
        {"event": "user", "text": "六十八了", "parse_data": {"intent": {"name": "inform"}}},
        {"event": "action", "name": "action_triage"},
        {"event": "slot", "name": "triage_level", "value": level},
        {"event": "slot", "name": "department", "value": "orthopedics"},
        {"event": "bot", "text": "建议您到门诊看一下，推荐科室：骨科、风湿免疫科。"},
        {"event": "bot", "text": "要我帮您预约骨科吗？", "metadata": {"utter_action": "utter_triage_offer_booking"}},
    ]


def _trigger(words: str) -> tuple[str, list[dict[str, Any]]]:
    text = "/report_symptom" + json.dumps({"symptom": words}, ensure_ascii=False)
    return text, [{"entity": "symptom", "value": words}]


async def _after(
    monkeypatch: pytest.MonkeyPatch, domain: dict, words: str, answers: dict[str, str], level: str = "routine"
) -> tuple[CollectingDispatcher, dict[str, Any], Levels]:
    service = Levels(answers)
    monkeypatch.setattr(triage_module.common, "backend", lambda: service)
    slots = {"duration": "好几个月了 阴天下雨更疼", "age": "68", "triage_level": level, "department": "orthopedics"}
    text, entities = _trigger(words)
    reset = await ActionResetJourney().run(
        CollectingDispatcher(),
        make_tracker(slots=slots, text=text, intent="report_symptom", entities=entities, events=_x38(level)),
        domain,
    )
    kept = {**slots, **slot_events(reset)}
    assert kept["duration"] and kept["age"] == "68"  # the interview is not asked again
    # as Rasa sends it: the message, the journey's start and its slots, the form done
    said = {"intent": {"name": "report_symptom"}, "entities": entities, "text": text}
    events = [
        *_x38(level),
        {"event": "user", "text": text, "parse_data": said},
        {"event": "action", "name": "action_reset_journey"},
        *reset,
        {"event": "action", "name": "triage_form"},
        {"event": "active_loop", "name": "triage_form"},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "active_loop", "name": None},
    ]
    tracker = Tracker("u1", kept, said, events, False, None, {}, "triage_form")
    dispatcher = CollectingDispatcher()
    found = slot_events(await ActionTriage().run(dispatcher, tracker, domain))
    return dispatcher, found, service


@pytest.mark.parametrize(
    "words", ["没摔过 也不肿", "沒摔過 也不腫", "冇跌過 亦唔腫", "没得摔过 也莫得肿", "没受伤 不红不烫"]
)
async def test_denials_are_weighed_and_the_offer_comes_again(
    monkeypatch: pytest.MonkeyPatch, domain: dict, words: str
) -> None:
    """The service, told "摔"/"跌"/"伤" without the negation, would say urgent: denials never raise."""
    dispatcher, found, service = await _after(
        monkeypatch, domain, words, {"摔": "urgent", "跌": "urgent", "伤": "urgent", "红": "urgent"}
    )
    assert found["triage_level"] == "routine"
    assert KNEE in service.sent[0] and "六十八" not in service.sent[0]  # with the complaint, the age as the age
    assert dispatcher.messages[0].get("text") == SAME_ANSWER
    assert responses(dispatcher) == ["utter_triage_offer_booking"]


async def test_a_new_sign_raises_the_level_and_offers_again(monkeypatch: pytest.MonkeyPatch, domain: dict) -> None:
    dispatcher, found, _ = await _after(monkeypatch, domain, "晚上疼得睡不着 膝盖有点肿了", {"肿了": "urgent"})
    assert found["triage_level"] == "urgent"
    assert responses(dispatcher) == ["utter_triage_urgent", "utter_triage_offer_booking"]


async def test_an_emergency_is_never_talked_down(monkeypatch: pytest.MonkeyPatch, domain: dict) -> None:
    dispatcher, found, _ = await _after(monkeypatch, domain, "不疼了", {}, level="emergency")
    assert found["triage_level"] == "emergency"
    assert responses(dispatcher) == ["utter_triage_emergency"]


async def test_an_emergency_detail_is_answered_as_one(monkeypatch: pytest.MonkeyPatch, domain: dict) -> None:
    dispatcher, found, _ = await _after(monkeypatch, domain, "膝盖又红又烫 发烧了", {"发烧": "emergency"})
    assert found["triage_level"] == "emergency"
    assert responses(dispatcher) == ["utter_triage_emergency"]


@pytest.mark.parametrize("text", ["没摔过", "冇跌過", "没撞到", "也没受过伤", "从来没摔过 也不肿"])
def test_no_fall_is_a_denial(text: str) -> None:
    assert only_denies(text)


@pytest.mark.parametrize("text", ["没站稳摔了", "没摔过但是肿了", "不小心摔了一跤", "没摔过 膝盖肿了"])
def test_a_fall_or_a_sign_is_not_only_denials(text: str) -> None:
    assert not only_denies(text)
