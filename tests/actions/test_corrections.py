"""Forms forgive (issue 13): going back, naming the answer to change, saying the
right name; "不知道" is an age; date examples come from today."""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.booking_dates import ActionAskDate
from actions.corrections import corrected_name, undo_events
from actions.dates import example_date, resolve
from actions.triage import ValidateTriageForm
from tests.actions.helpers import make_tracker, responses, slot_events

BOOKING = ["department", "date", "slot_id", "patient_name", "id_number", "phone", "bind_code"]


def changes(text: str, requested: str, slots: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in undo_events(text, requested, BOOKING, slots)}


def test_the_right_name_is_read_from_a_correction() -> None:
    assert corrected_name("是李敏不是李明") == "李敏"
    assert corrected_name("不对，名字打错了，是李敏") == "李敏"
    assert corrected_name("不是李明，是李敏") == "李敏"
    assert corrected_name("返回") is None and corrected_name("上一步") is None


def test_going_back_at_the_date_asks_the_department_again() -> None:
    assert changes("返回", "date", {"department": "orthopedics"}) == {
        "department": None,
        "date": None,
        "requested_slot": "department",
    }


def test_a_name_typo_is_fixed_at_the_id_question_and_the_id_asked_again() -> None:
    filled = {"department": "eye", "date": "2026-12-08", "slot_id": "s1", "patient_name": "李明"}
    fixed = changes("不对，名字打错了，是李敏", "id_number", filled)
    assert fixed == {"patient_name": "李敏", "id_number": None, "requested_slot": "id_number"}
    back = changes("上一步", "id_number", filled)
    assert back["patient_name"] is None and back["requested_slot"] == "patient_name"


def test_a_named_answer_is_the_one_changed() -> None:
    filled = {"department": "eye", "date": "2026-12-08", "slot_id": "s1", "patient_name": "李敏", "id_number": "x"}
    assert changes("身份证号写错了", "phone", filled)["requested_slot"] == "id_number"
    moved = changes("日期选错了", "phone", filled)
    assert moved["date"] is None and moved["slot_id"] is None and moved["requested_slot"] == "date"


async def test_the_form_says_the_corrected_name(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> None:
    tracker = make_tracker(
        slots={"requested_slot": "duration", "symptom": "腰疼"},
        text="返回",
        intent="go_back",
        active_loop="triage_form",
    )
    events = await ValidateTriageForm().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_go_back"]
    assert slot_events(events) == {"symptom": None, "duration": None, "requested_slot": "symptom"}


async def test_dont_know_is_an_age(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> None:
    tracker = make_tracker(slots={"requested_slot": "age"}, text="不知道", intent="deny", active_loop="triage_form")
    result = await ValidateTriageForm().validate_age("不知道", dispatcher, tracker, domain)
    assert result == {"age": "unknown"}
    tracker = make_tracker(slots={"requested_slot": "age"}, text="两天", active_loop="triage_form")
    assert await ValidateTriageForm().validate_age("两天", dispatcher, tracker, domain) == {"age": None}
    assert dispatcher.messages[-1]["response"] == "utter_invalid_age" and dispatcher.messages[-1]["age_text"] == "两天"


async def test_the_date_example_is_a_week_from_today(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> None:
    assert example_date(date(2026, 12, 6)) == "12月13号"
    assert example_date(date(2026, 12, 28)) == "1月4号"
    await ActionAskDate().run(dispatcher, make_tracker(), domain)
    asked = dispatcher.messages[0]
    assert asked["response"] == "utter_ask_date" and "月" in asked["date_example"]


def test_everyday_day_words() -> None:
    today = date(2026, 12, 7)
    for word, offset in (("後天", 2), ("明儿个", 1), ("大後天", 3), ("今儿个下午", 0)):
        phrase = resolve(word, today)
        assert phrase is not None and (phrase.day - today).days == offset, word
