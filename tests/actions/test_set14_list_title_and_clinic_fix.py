"""Set 14's tuning material, in wordings of our own: a doctor's title wished at the list in
plain words ("普通的就要得", X24) narrows the list; a clinic corrected at the day question
("不对不对 是产科", X14) is changed and said."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ActionAskSlotId, ValidateBookingForm
from actions.booking_wishes import title_of
from actions.clinic_corrected import corrected_clinic
from actions.dates import today_in_shanghai
from actions.slot_lists import is_wish
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

DAY = (today_in_shanghai() + timedelta(days=1)).isoformat()


def place(sid: str, hour: int, name: str, title: str) -> dict[str, Any]:
    return {
        "id": sid,
        "department": "urology",
        "doctor": {"id": name, "name": name, "title": title},
        "date": DAY,
        "start": f"{DAY}T{hour:02d}:00:00+08:00",
        "fee_fen": 5000 if "主任" in title else 1500,
        "remaining": 3,
    }


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("普通的就要得", "ordinary"),
        ("普通的就可以了", "ordinary"),
        ("普通号就行", "ordinary"),
        ("没有专家的话普通也行", "expert"),  # an expert first, an ordinary one put up with (X14)
        ("便宜些的", "ordinary"),
        ("要个专家", "expert"),
        ("专家的吧", "expert"),
        ("主任的", "chief"),
        ("普通感冒 挂哪个科", None),
        ("就是普通的胃病", None),
        ("普通的算了 挂专家的", "expert"),
    ],
)
def test_a_title_in_plain_words(text: str, title: str | None) -> None:
    assert title_of(text) == title


def test_plain_title_words_steer_the_list() -> None:
    assert is_wish("普通的就要得") and is_wish("普通也行") and not is_wish("3")


async def test_an_ordinary_doctor_wished_at_the_list_narrows_it(hospital: FakeHospital, domain: dict) -> None:
    hospital.slots[f"urology|{DAY}"] = [
        place("o1", 14, "吴海", "主治医师"),
        place("d1", 14, "冯江", "副主任医师"),
        place("c1", 15, "许岚", "主任医师"),
        place("o2", 15, "吴海", "主治医师"),
    ]
    slots = {"department": "urology", "date": DAY, "requested_slot": "slot_id", "offered_choices": ["o1", "d1", "c1"]}
    dispatcher = CollectingDispatcher()
    text = "普通的就要得"
    tracker = make_tracker(slots={**slots, "slot_id": text}, text=text, intent="affirm", active_loop="booking_form")
    tracker.events.append({"event": "slot", "name": "slot_id", "value": text})  # the typed-text mapping
    events = slot_events(await ValidateBookingForm().run(dispatcher, tracker, domain))
    assert "utter_invalid_choice" not in responses(dispatcher)
    view = events["slot_list_view"]
    assert view["title"] == "ordinary"
    if events.get("slot_id"):  # taken at once as the wish said as the choice: an ordinary one
        assert events["slot_id"] in ("o1", "o2")
        return
    listed = slot_events(
        await ActionAskSlotId().run(
            CollectingDispatcher(), make_tracker(slots={**slots, "slot_list_view": view}), domain
        )
    )
    assert listed["offered_choices"] == ["o1", "o2"]


async def test_an_expert_wished_with_none_that_day_is_said_and_the_rest_shown(
    hospital: FakeHospital, domain: dict
) -> None:
    hospital.slots[f"urology|{DAY}"] = [place("o1", 9, "吴海", "主治医师"), place("o2", 10, "吴海", "主治医师")]
    view = {"for": DAY, "page": 0, "period": None, "doctor": None, "title": "expert"}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"department": "urology", "date": DAY, "slot_list_view": view})
    listed = slot_events(await ActionAskSlotId().run(dispatcher, tracker, domain))
    assert any(r.startswith("utter_no_slots_as_wished") for r in responses(dispatcher))
    assert listed["offered_choices"]


def in_booking(text: str, requested: str = "date", intent: str = "inform", department: str = "gynecology") -> Any:
    slots = {"department": department, "requested_slot": requested}
    return make_tracker(slots=slots, text=text, intent=intent, active_loop="booking_form")


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("不对不对 是产科 怀孕12周了", "obstetrics"),
        ("搞错了，应该挂产科", "obstetrics"),
        ("不是妇科 是产科", "obstetrics"),
        ("说错了 改成皮肤科", "dermatology"),
    ],
)
def test_a_clinic_corrected_at_the_day_question(text: str, department: str) -> None:
    assert corrected_clinic(in_booking(text)) == department


@pytest.mark.parametrize(
    "text",
    [
        "明天上午",  # the answer asked for
        "不对 是妇科没错",  # the clinic being booked
        "产科明天有号吗",  # a clinic named with no slip owned up to
        "不对 下午吧",  # a slip about the time
    ],
)
def test_no_clinic_correction(text: str) -> None:
    assert corrected_clinic(in_booking(text)) is None


def test_only_at_the_day_and_list_questions_and_not_on_the_go_back_path() -> None:
    assert corrected_clinic(in_booking("不对 是产科", requested="patient_name")) is None
    assert corrected_clinic(in_booking("不对 是产科", intent="go_back")) is None
    assert corrected_clinic(in_booking("不对 是产科", requested="slot_id")) == "obstetrics"


async def test_the_form_changes_the_clinic_says_so_and_asks_the_day(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = in_booking("不对不对 是产科 怀孕12周了", intent="pregnancy_question")
    events = slot_events(await ValidateBookingForm().run(dispatcher, tracker, domain))
    assert events["department"] == "obstetrics" and events["date"] is None
    assert events["requested_slot"] == "date"
    assert any("改成产科" in str(m.get("text")) for m in dispatcher.messages)


def tagged_in_booking(text: str, said: str, intent: str = "report_symptom", before: str = "gynecology") -> Any:
    """As the stack sends it: the clinic chosen before is an event, and the NLU's tag of the
    clinic said has filled the slot already (the mapping takes it whatever the intent)."""
    tracker = make_tracker(
        slots={"department": said, "requested_slot": "date"},
        text=text,
        intent=intent,
        entities=[{"entity": "department", "value": said}],
        events=[{"event": "slot", "name": "department", "value": before}],
        active_loop="booking_form",
    )
    tracker.events.append({"event": "slot", "name": "department", "value": said})
    return tracker


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("不对不对 是产科 怀孕12周了", "report_symptom"),
        ("不是妇科 是产科 我怀孕了", "report_symptom"),
        ("搞错了 應該掛產科", "inform"),  # traditional
        ("不对不对 是产科", "go_back"),  # read as going back: said the same way
    ],
)
async def test_a_clinic_corrected_with_the_tag_already_taken_is_said(
    text: str, intent: str, hospital: FakeHospital, domain: dict
) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(
        await ValidateBookingForm().run(dispatcher, tagged_in_booking(text, "obstetrics", intent), domain)
    )
    assert events["department"] == "obstetrics" and events.get("date") is None
    assert events["requested_slot"] == "date"
    assert [m.get("text") for m in dispatcher.messages] == ["好的，改成产科。"]


async def test_the_clinic_booked_said_again_changes_nothing(hospital: FakeHospital, domain: dict) -> None:
    tracker = tagged_in_booking("不对 是妇科没错", "gynecology", "inform")
    assert corrected_clinic(tracker) is None
    dispatcher = CollectingDispatcher()
    await ValidateBookingForm().run(dispatcher, tracker, domain)
    assert not any("改成" in str(m.get("text")) for m in dispatcher.messages)
