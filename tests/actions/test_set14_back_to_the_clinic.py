"""Set 14's X14 (tuning material), in wordings of our own: "返回" at the booking's day question
asks one question, "刚才选的是产科，还挂产科吗？" [1 还挂产科] [2 换科室], in place of the day
question (never followed by another); its answers keep the clinic, change it, or go on with
the booking's details; at the clinic question itself details go on with the clinic chosen
before, and a clinic named is still taken."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.booking_dates import ActionAskDate
from actions.clinic_again import (
    CHANGE_PAYLOAD,
    KEEP_PAYLOAD,
    asked_this_turn,
    just_asked,
    keeps_the_clinic,
    last_department,
)
from actions.dates import today_in_shanghai
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

CHOSEN = [{"event": "slot", "name": "department", "value": "obstetrics"}]
CLEARED = [*CHOSEN, {"event": "slot", "name": "department", "value": None}]
PROMPT = {
    "event": "bot",
    "text": "好的，回到上一步。刚才选的是产科，还挂产科吗？",
    "data": {
        "buttons": [
            {"title": "1 还挂产科", "payload": KEEP_PAYLOAD},
            {"title": "2 换科室", "payload": CHANGE_PAYLOAD},
        ]
    },
}
TOMORROW = (today_in_shanghai() + timedelta(days=1)).isoformat()


def said(dispatcher: CollectingDispatcher) -> str:
    return " ".join(m.get("text") or "" for m in dispatcher.messages)


def morning_places(hospital: FakeHospital, department: str = "obstetrics") -> None:
    hospital.slots[f"{department}|{TOMORROW}"] = [
        {
            "id": f"{department}-{hour}",
            "department": department,
            "doctor": {"id": "d1", "name": "林医生", "title": "主任医师"},
            "date": TOMORROW,
            "start": f"{TOMORROW}T{hour:02d}:00:00+08:00",
            "fee_fen": 5000,
            "remaining": 2,
        }
        for hour in (9, 14)
    ]


def at_day_question(text: str, intent: str = "go_back") -> Any:
    return make_tracker(
        slots={"department": "obstetrics", "requested_slot": "date"},
        text=text,
        intent=intent,
        events=CHOSEN,
        active_loop="booking_form",
    )


@pytest.mark.parametrize("text", ["返回", "上一步", "返回上一步", "回到上一步", "返回上一步吧"])
async def test_going_back_at_the_day_question_asks_once_whether_the_clinic_stays(
    text: str, hospital: FakeHospital, domain: dict
) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_day_question(text), domain))
    assert events.get("department", "obstetrics") == "obstetrics"  # kept until the patient says otherwise
    assert events["requested_slot"] == "date" and events["date"] is None
    assert len(dispatcher.messages) == 1 and "utter_go_back" not in responses(dispatcher)
    message = dispatcher.messages[0]
    assert "刚才选的是产科" in message["text"] and message["text"].endswith("还挂产科吗？")
    assert [b["payload"] for b in message["buttons"]] == [KEEP_PAYLOAD, CHANGE_PAYLOAD]
    assert [b["title"] for b in message["buttons"]] == ["1 还挂产科", "2 换科室"]


async def test_the_day_question_says_nothing_the_turn_the_clinic_is_asked_about(domain: dict) -> None:
    tracker = at_day_question("返回")
    tracker.events.append(PROMPT)  # the validation's own message, as the form passes it on
    assert asked_this_turn(tracker)
    dispatcher = CollectingDispatcher()
    await ActionAskDate().run(dispatcher, tracker, domain)
    assert dispatcher.messages == []


async def test_the_day_question_is_asked_on_other_turns(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskDate().run(dispatcher, at_prompt("1"), domain)  # the question was the turn before
    assert responses(dispatcher) == ["utter_ask_date"]


async def test_going_back_with_a_new_day_takes_it_as_before(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await ValidateBookingForm().run(dispatcher, at_day_question("返回 改成后天"), domain)
    assert "还挂产科吗" not in said(dispatcher)


@pytest.mark.parametrize("text", ["改一下科室", "科室选错了 换个科"])
async def test_naming_the_clinic_as_what_to_change_asks_the_clinic(
    text: str, hospital: FakeHospital, domain: dict
) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_day_question(text), domain))
    assert events["department"] is None and events["requested_slot"] == "department"
    assert "还挂产科吗" not in said(dispatcher)


def at_prompt(text: str, intent: str = "inform", department: str = "obstetrics") -> Any:
    """The patient's answer to "还挂产科吗？"; a clinic the NLU tagged has filled the slot."""
    tracker = make_tracker(
        slots={"department": department, "requested_slot": "date"},
        text=text,
        intent=intent,
        events=[*CHOSEN, {"event": "user", "text": "返回"}, PROMPT],
        active_loop="booking_form",
    )
    if department != "obstetrics":
        tracker.events.append({"event": "slot", "name": "department", "value": department})
    return tracker


def test_the_answer_is_read_only_right_after_the_question() -> None:
    assert just_asked(at_prompt("1"))
    assert not just_asked(at_day_question("1", intent="inform"))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("1", "inform"),
        (KEEP_PAYLOAD, "affirm"),  # the button
        ("是", "affirm"),
        ("对的", "affirm"),
        ("嗯嗯", "affirm"),
        ("还挂产科", "inform"),
        ("还是產科吧", "inform"),  # traditional
        ("还是这个吧", "inform"),
        ("不换了", "deny"),
        ("中", "affirm"),  # Henan
    ],
)
async def test_yes_keeps_the_clinic_and_the_day_is_asked(
    text: str, intent: str, hospital: FakeHospital, domain: dict
) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_prompt(text, intent), domain))
    assert "department" not in events or events["department"] == "obstetrics"
    assert events["requested_slot"] == "date" and events["date"] is None
    assert said(dispatcher) == "好的，还挂产科。"
    assert "utter_invalid_date" not in responses(dispatcher)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("2", "inform"),
        (CHANGE_PAYLOAD, "go_back"),  # the button
        ("返回", "go_back"),
        ("换科室", "reschedule_appointment"),
        ("换个科吧", "inform"),
        ("不是", "deny"),
        ("换一个", "inform"),
    ],
)
async def test_another_clinic_wanted_asks_the_clinic(
    text: str, intent: str, hospital: FakeHospital, domain: dict
) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_prompt(text, intent), domain))
    assert events["department"] is None and events["requested_slot"] == "department"
    assert dispatcher.messages == []  # the form's clinic question is the one question


@pytest.mark.parametrize(
    ("text", "code"), [("妇科", "gynecology"), ("挂婦科吧", "gynecology"), ("皮肤科", "dermatology")]
)
async def test_a_new_clinic_named_at_the_question_is_taken_and_said(
    text: str, code: str, hospital: FakeHospital, domain: dict
) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_prompt(text, department=code), domain))
    assert events["department"] == code and events["requested_slot"] == "date"
    assert said(dispatcher).startswith("好的，改成")


@pytest.mark.parametrize("text", ["上午的", "上晝", "明天上午"])
async def test_details_at_the_question_go_on_with_the_clinic_kept(
    text: str, hospital: FakeHospital, domain: dict
) -> None:
    morning_places(hospital)
    tracker = at_prompt(text)
    tracker.slots["date"] = text  # the typed-text mapping
    tracker.events.append({"event": "slot", "name": "date", "value": text})
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, tracker, domain))
    assert events.get("department", "obstetrics") == "obstetrics"
    assert events["date"] == f"{TOMORROW} morning"  # the first day with a morning place
    assert "还挂产科吗" not in said(dispatcher)
    assert "utter_invalid_date" not in responses(dispatcher)


def at_clinic_question(text: str, intent: str = "inform", events: Any = CLEARED) -> Any:
    tracker = make_tracker(
        slots={"requested_slot": "department"}, text=text, intent=intent, events=events, active_loop="booking_form"
    )
    if intent == "inform":  # the typed-text mapping fills the clinic with the words
        tracker.slots["department"] = text
        tracker.events.append({"event": "slot", "name": "department", "value": text})
    return tracker


def test_the_clinic_chosen_before_is_read_from_the_events() -> None:
    assert last_department(at_clinic_question("上午的")) == "obstetrics"
    assert last_department(at_clinic_question("上午的", events=[])) is None


@pytest.mark.parametrize(
    ("text", "intent"), [("是", "affirm"), ("对的", "affirm"), ("还是这个吧", "inform"), ("嗯", "affirm")]
)
async def test_yes_at_the_clinic_question_keeps_the_clinic(
    text: str, intent: str, hospital: FakeHospital, domain: dict
) -> None:
    tracker = at_clinic_question(text, intent)
    assert keeps_the_clinic(tracker) == "obstetrics"
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, tracker, domain))
    assert events["department"] == "obstetrics"
    assert "utter_unknown_department" not in responses(dispatcher)


def test_yes_with_no_clinic_before_keeps_nothing() -> None:
    assert keeps_the_clinic(at_clinic_question("是", "affirm", events=[])) is None


@pytest.mark.parametrize(
    ("text", "intent", "line"),
    [
        ("上午的", "inform", "好的，还挂产科，上午的号记下了。"),
        ("上晝嘅", "inform", "好的，还挂产科，上午的号记下了。"),
        ("下午吧", "affirm", "好的，还挂产科，下午的号记下了。"),
        ("要专家号", "inform", "好的，还挂产科，专家号记下了。"),
        ("明天", "inform", "好的，还挂产科，时间记下了。"),
    ],
)
async def test_details_at_the_clinic_question_keep_the_clinic_chosen_before(
    text: str, intent: str, line: str, hospital: FakeHospital, domain: dict
) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_clinic_question(text, intent), domain))
    assert events["department"] == "obstetrics"
    assert said(dispatcher).startswith(line)
    assert "utter_unknown_department" not in responses(dispatcher)
    assert "还是挂产科吗" not in said(dispatcher) and "先告诉我想挂哪个科" not in said(dispatcher)


async def test_a_day_at_the_clinic_question_is_taken_with_the_clinic(hospital: FakeHospital, domain: dict) -> None:
    morning_places(hospital)
    tracker = at_clinic_question("明天")
    tracker.slots["date"] = "明天"  # the NLU's tag
    tracker.events.append({"event": "slot", "name": "date", "value": "明天"})
    events = slot_events(await ValidateBookingForm().run(CollectingDispatcher(), tracker, domain))
    assert events["department"] == "obstetrics" and events["date"] == TOMORROW


async def test_a_number_at_the_clinic_question_asks_once_with_buttons(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_clinic_question("2"), domain))
    assert events["department"] == "obstetrics"  # the form goes to the day, which this question stands for
    assert "没找到" not in said(dispatcher)
    assert [b["payload"] for b in dispatcher.messages[-1]["buttons"]] == [KEEP_PAYLOAD, CHANGE_PAYLOAD]
    # asked already (then "换科室"): a number again keeps the clinic and goes on
    again = at_clinic_question("2", events=[*CLEARED, PROMPT])
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, again, domain))
    assert events["department"] == "obstetrics" and said(dispatcher) == "好的，还挂产科。"


@pytest.mark.parametrize(("text", "tail"), [("林晓", "姓名登记时我再问您"), ("135790", "验证码现在还用不上")])
async def test_registration_details_at_the_clinic_question_keep_the_clinic(
    text: str, tail: str, hospital: FakeHospital, domain: dict
) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_clinic_question(text), domain))
    assert events["department"] == "obstetrics"
    assert said(dispatcher).startswith("好的，还挂产科。") and tail in said(dispatcher)


@pytest.mark.parametrize(
    ("text", "code"), [("妇科", "gynecology"), ("上午的妇科", "gynecology"), ("心内科", "cardiology")]
)
async def test_a_new_clinic_after_going_back_is_taken(
    text: str, code: str, hospital: FakeHospital, domain: dict
) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_clinic_question(text), domain))
    assert events["department"] == code


async def test_a_wish_with_no_clinic_before_is_noted_and_the_clinic_asked(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_clinic_question("要专家号", events=[]), domain))
    assert events["booking_wish"]["title"] == "expert" and not events.get("department")
    assert said(dispatcher) == "好的，专家号记下了。"  # the form's clinic question follows, alone


async def test_a_number_with_no_clinic_before_is_no_clinic(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await ValidateBookingForm().run(dispatcher, at_clinic_question("2", events=[]), domain)
    assert "utter_unknown_department" in responses(dispatcher)
