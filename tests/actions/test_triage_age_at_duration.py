"""An age typed at the duration question is the age (set 12's S27: "5岁" was assessed as a
mosquito bite lasting five years, and sent to the clinic), and details added after an answer
that leave it unchanged are acknowledged instead of the same advice word for word. The
wordings here are our own."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import triage as triage_module
from actions.triage import AGE_KEPT, SAME_ANSWER, ActionTriage, ValidateTriageForm, age_instead_of_duration
from tests.actions.helpers import make_tracker, responses, slot_events

BITE = "闺女胳膊上让虫子叮了 肿了一片 老挠"


@pytest.mark.parametrize(("text", "age"), [("4岁", 4), ("六岁半", 6.5), ("宝宝10个月", 10 / 12), ("今年七十二", 72)])
def test_an_age_at_the_duration_question_is_an_age(text: str, age: float) -> None:
    assert age_instead_of_duration(text) == pytest.approx(age, abs=0.05)


@pytest.mark.parametrize("text", ["3个月", "两年了", "有一个礼拜", "昨天开始的", "不知道"])
def test_a_duration_stays_a_duration(text: str) -> None:
    assert age_instead_of_duration(text) is None


def _asked(*questions: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": BITE, "parse_data": {"intent": {"name": "report_symptom"}}},
        {"event": "action", "name": "action_reset_journey"},
    ]
    return [*events, *({"event": "bot", "text": q} for q in questions)]


async def _validate(text: str, events: list[dict[str, Any]], domain: dict) -> tuple[dict[str, Any], list[dict]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text=text, slots={"symptom": BITE, "requested_slot": "duration"}, active_loop="triage_form", events=events
    )
    result = await ValidateTriageForm().validate_duration(text, dispatcher, tracker, domain)
    return result, dispatcher.messages


async def test_the_age_is_kept_and_how_long_is_asked_again(domain: dict) -> None:
    result, said = await _validate("4岁", _asked("这样有多长时间了？"), domain)
    assert result == {"duration": None, "age": "4"}
    assert [m.get("text") for m in said] == [AGE_KEPT.format(age="4岁")]


async def test_an_age_the_nlu_also_tagged_is_still_no_duration(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="4岁",
        slots={"symptom": BITE, "requested_slot": "duration", "age": "4岁"},
        active_loop="triage_form",
        events=_asked("这样有多长时间了？"),
    )
    result = await ValidateTriageForm().validate_duration("4岁", dispatcher, tracker, domain)
    assert result == {"duration": None, "age": "4"}


async def test_with_the_questions_used_up_the_advice_comes_without_a_duration(domain: dict) -> None:
    events = _asked("这样有多长时间了？", "看病的人多大年纪？")
    result, said = await _validate("4岁", events, domain)
    assert result == {"duration": "unknown", "age": "4"}
    assert said == []


async def test_a_real_duration_is_taken(domain: dict) -> None:
    result, _ = await _validate("两天了", _asked("这样有多长时间了？"), domain)
    assert result == {"duration": "两天了"}


class Service:
    def __init__(self, level: str) -> None:
        self.level = level

    def departments(self) -> list[dict[str, str]]:
        return [{"code": "dermatology", "name": "皮肤科"}]

    def triage(self, text: str, age: Any = None, sex: Any = None) -> dict[str, Any]:
        return {"level": self.level, "departments": ["dermatology"], "advice": "冷敷止痒"}


def _after_answer(level: str, detail: str) -> list[dict[str, Any]]:
    return [
        *_asked("这样有多长时间了？"),
        {"event": "user", "text": "两天", "parse_data": {"intent": {"name": "inform"}}},
        {"event": "action", "name": "action_triage"},
        {"event": "slot", "name": "triage_level", "value": "self_care"},
        {"event": "slot", "name": "department", "value": "dermatology"},
        {"event": "bot", "text": "目前看情况不太严重"},
        {"event": "user", "text": detail, "parse_data": {"intent": {"name": "report_symptom"}}},
        {"event": "action", "name": "action_reset_journey"},
    ]


async def _reassess(monkeypatch: pytest.MonkeyPatch, level: str, domain: dict) -> tuple[list[str], list[Any]]:
    monkeypatch.setattr(triage_module.common, "backend", lambda: Service(level))
    detail = "没起水泡 也不发热 吃喝都正常"
    tracker = make_tracker(text=detail, intent="report_symptom", events=_after_answer("self_care", detail)[:-2])
    dispatcher = CollectingDispatcher()
    events = await ActionTriage().run(dispatcher, tracker, domain)
    assert slot_events(events)["triage_level"] == level
    return responses(dispatcher), [m.get("text") for m in dispatcher.messages]


async def test_details_that_change_nothing_are_acknowledged(monkeypatch: pytest.MonkeyPatch, domain: dict) -> None:
    said, texts = await _reassess(monkeypatch, "self_care", domain)
    assert "utter_triage_self_care" not in said and SAME_ANSWER in texts
    assert "utter_triage_offer_booking" in said  # the booking is still offered


async def test_details_that_change_the_answer_give_the_new_advice(
    monkeypatch: pytest.MonkeyPatch, domain: dict
) -> None:
    said, texts = await _reassess(monkeypatch, "urgent", domain)
    assert "utter_triage_urgent" in said and SAME_ANSWER not in texts


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("俺娘八十了 这几天老说腿肿", 80),  # a relative's age with no 岁 (set 11's M03 was asked again)
        ("我爸61 最近夜里老咳", 61),
        ("我姥姥都九十多啦 吃不下饭", 90),
    ],
)
def test_a_relatives_age_said_without_sui_is_read(text: str, age: float) -> None:
    from actions.triage_answers import stated_age

    assert stated_age(text) == age


@pytest.mark.parametrize("text", ["我妈两天没吃饭", "我爸一直咳嗽", "我爸58公斤 最近瘦了", "我妈三天了还烧"])
def test_numbers_that_are_no_age_stay_out(text: str) -> None:
    from actions.triage_answers import stated_age

    assert stated_age(text) is None
