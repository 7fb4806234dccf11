"""The booking form understands the patient's words (issue 13, blind conversations C01,
C02, C04, C05, C10, C13): a department however typed ("皮服科", "预约 内分秘科", "皮膚科",
"看心脏的"), and a doctor's title or time of day said anywhere in the journey carries to
the list of places, so what is booked is what was asked for; "2" picks the second place."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ActionAskSlotId, ValidateBookingForm
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events
from tests.actions.test_slot_lists import DAY, place


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {}}


async def test_a_department_however_typed_is_understood(hospital: FakeHospital, domain: dict) -> None:
    form = ValidateBookingForm()
    for text, entity, code in [
        ("预约 内分秘科", "秘科", "endocrinology"),  # the NLU tagged only part of it
        ("挂皮服科", "皮服科", "dermatology"),
        ("您好，我想預約皮膚科", "皮膚科", "dermatology"),
        ("心内科", "心内科", "cardiology"),
    ]:
        dispatcher = CollectingDispatcher()
        result = await form.validate_department(entity, dispatcher, make_tracker(text=text), domain)
        assert result == {"department": code}, text
        assert responses(dispatcher) == []
    dispatcher = CollectingDispatcher()
    result = await form.validate_department("明天上午", dispatcher, make_tracker(text="明天上午"), domain)
    assert result == {"department": None} and responses(dispatcher) == []
    # a time said at the clinic question is kept, not called an unknown clinic (set 14's X14);
    # the form's clinic question follows alone, no second prompt before it
    assert dispatcher.messages[0]["text"] == "好的，时间记下了。"
    dispatcher = CollectingDispatcher()
    result = await form.validate_department("星星", dispatcher, make_tracker(text="星星"), domain)
    assert result == {"department": None} and responses(dispatcher) == ["utter_unknown_department"]


async def test_a_department_in_the_opening_message_is_not_asked_again(hospital: FakeHospital, domain: dict) -> None:
    form = ValidateBookingForm()
    opening = make_tracker(text="我想挂个号 看心脏的", intent="book_appointment")
    assert await form.extract_department(CollectingDispatcher(), opening, domain) == {"department": "cardiology"}
    # an answer to another question is never read as a department
    later = make_tracker(slots={"requested_slot": "date", "department": None}, text="看心脏的")
    assert await form.extract_department(CollectingDispatcher(), later, domain) == {}
    known = make_tracker(slots={"department": "dermatology"}, text="看心脏的")
    assert await form.extract_department(CollectingDispatcher(), known, domain) == {}


async def test_a_title_asked_for_earlier_narrows_the_list_and_the_booking(hospital: FakeHospital, domain: dict) -> None:
    deputies = [place(f"d{i}", 8 + i, 0, "袁秀英", "副主任医师") for i in range(3)]
    chiefs = [place(f"c{i}", 9 + i, 30, "王强", "主任医师") for i in range(2)]
    hospital.slots[f"cardiology|{DAY}"] = deputies + chiefs
    tracker = make_tracker(
        slots={"department": "cardiology", "date": DAY},
        events=[
            user("你好"),
            user("预约心内科 要主任医师的"),  # the message that started the journey, before its reset
            {"event": "action", "name": "action_reset_journey"},
            user("明天上午"),
        ],
        text="明天上午",
    )
    dispatcher = CollectingDispatcher()
    events = await ActionAskSlotId().run(dispatcher, tracker, domain)
    offered = slot_events(events)["offered_choices"]
    assert offered == ["c0", "c1"]  # only the 主任医师, not the 副主任医师 first in the day
    assert "主任医师" in dispatcher.messages[0]["date_text"]
    # "2" (typed or the second button) books the second place offered
    chosen = make_tracker(
        slots={"department": "cardiology", "date": DAY, "offered_choices": offered, "requested_slot": "slot_id"},
        text="2",
    )
    picked = await ValidateBookingForm().validate_slot_id("2", CollectingDispatcher(), chosen, domain)
    assert picked == {"slot_id": "c1"}


async def test_a_later_change_of_time_of_day_wins(hospital: FakeHospital, domain: dict) -> None:
    mornings = [place(f"m{i}", 8 + i, 0, "张伟", "主治医师") for i in range(3)]
    afternoons = [place(f"a{i}", 14 + i, 0, "李娜", "主治医师") for i in range(3)]
    hospital.slots[f"cardiology|{DAY}"] = mornings + afternoons
    tracker = make_tracker(
        slots={"department": "cardiology", "date": DAY},
        events=[user("挂心内科 上午的"), {"event": "action", "name": "action_reset_journey"}, user("算了，改成下午")],
        text="算了，改成下午",
    )
    events = await ActionAskSlotId().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events)["offered_choices"] == ["a0", "a1", "a2"]
    # what an earlier journey asked for does not carry into this one
    tracker = make_tracker(
        slots={"department": "cardiology", "date": DAY},
        events=[user("下午的"), user("挂心内科"), {"event": "action", "name": "action_reset_journey"}],
        text="挂心内科",
    )
    events = await ActionAskSlotId().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events)["offered_choices"] == ["m0", "m1", "m2", "a0", "a1", "a2"]


async def test_the_whole_message_wins_over_a_name_merely_inside_it(hospital: FakeHospital, domain: dict) -> None:
    """Blind conversation C12: "挂新内科" (心内科 misspelt) was booked as 内科 (general
    internal medicine), the catalogue name found inside it."""
    from tests.actions import fake_hospital

    fake_hospital.DEPARTMENT_WORDS["新内科"] = "cardiology"  # the app's pinyin resolver says so
    try:
        result = await ValidateBookingForm().validate_department(
            "内科", CollectingDispatcher(), make_tracker(text="挂新内科"), domain
        )
    finally:
        del fake_hospital.DEPARTMENT_WORDS["新内科"]
    assert result == {"department": "cardiology"}
    said_exactly = make_tracker(text="内科")
    assert await ValidateBookingForm().validate_department("内科", CollectingDispatcher(), said_exactly, domain) == {
        "department": "general_internal"
    }
