"""A baby's age in months, typed first at the duration question with how the baby is
("8个月 没发烧 吃奶正常", set 13's W19), is the age: the advice was then given as for an adult
and a mild nappy rash went to the clinic. Months alone, or with a course ("了", "反复"), stay
how long it has lasted. Wordings are our own."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.triage import AGE_KEPT, ValidateTriageForm, months_old_at_duration
from tests.actions.helpers import make_tracker

RASH = "娃屁股上红了一片 是不是尿布捂的"


@pytest.mark.parametrize(
    ("text", "months"),
    [("8个月 没发烧 吃奶正常", 8), ("十个月 精神挺好 不烧", 10), ("5个月，能吃能睡", 5), ("两个月 没别的毛病", 2)],
)
def test_months_then_how_the_baby_is_give_the_age(text: str, months: float) -> None:
    age = months_old_at_duration(text, RASH, None)
    assert age == pytest.approx(months / 12, abs=0.06)


@pytest.mark.parametrize("text", ["8个月", "3个月了", "两个月 时好时坏", "4个月 一直这样", "6个月前开始的 不发烧"])
def test_months_of_a_course_stay_a_duration(text: str) -> None:
    assert months_old_at_duration(text, RASH, None) is None


def test_not_for_an_adult_complaint_or_a_known_age() -> None:
    assert months_old_at_duration("8个月 没发烧", "腰疼得直不起来", None) is None
    assert months_old_at_duration("8个月 没发烧", RASH, "0.5") is None
    assert months_old_at_duration("30个月 挺好的", RASH, None) is None


async def test_the_age_is_kept_at_the_duration_question(domain: dict) -> None:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": RASH, "parse_data": {"intent": {"name": "report_symptom"}}},
        {"event": "action", "name": "action_reset_journey"},
        {"event": "bot", "text": "这样有多长时间了？"},
    ]
    text = "8个月 没发烧 吃奶正常"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text=text, slots={"symptom": RASH, "requested_slot": "duration"}, active_loop="triage_form", events=events
    )
    result = await ValidateTriageForm().validate_duration(text, dispatcher, tracker, domain)
    assert result == {"duration": None, "age": "0.7"}
    assert [m.get("text") for m in dispatcher.messages] == [AGE_KEPT.format(age="8个月")]


def test_the_months_kept_as_the_age_are_not_assessed_as_a_duration() -> None:
    """The engine reads "8个月" among the words as how long the rash has lasted (no self-care)."""
    from actions.triage import triage_text

    events: list[dict[str, Any]] = [
        {"event": "user", "text": RASH, "parse_data": {"intent": {"name": "report_symptom"}}},
        {"event": "action", "name": "action_reset_journey"},
        {"event": "bot", "text": "这样有多长时间了？"},
        {"event": "user", "text": "8个月 没发烧 吃奶正常", "parse_data": {"intent": {"name": "inform"}}},
        {"event": "bot", "text": "这样有多长时间了？"},
    ]
    kept = make_tracker(
        text="三个月了", slots={"symptom": RASH, "age": "0.7"}, active_loop="triage_form", events=events
    )
    assert triage_text(kept) == f"{RASH}；没发烧 吃奶正常；三个月了"
    other = make_tracker(text="三个月了", slots={"symptom": RASH, "age": "2"}, active_loop="triage_form", events=events)
    assert "8个月 没发烧" in triage_text(other)
