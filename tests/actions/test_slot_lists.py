"""Every place is reachable (issue 13): mornings and afternoons on the first page,
"更多" pages on, "下午", "李医生" and "专家号" narrow the list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ActionAskSlotId, ValidateBookingForm
from actions.dates import today_in_shanghai
from actions.slot_lists import view_from_journey
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events

DAY = (today_in_shanghai() + timedelta(days=1)).isoformat()


def place(sid: str, hour: int, minute: int, name: str, title: str) -> dict[str, Any]:
    return {
        "id": sid,
        "department": "cardiology",
        "doctor": {"id": name, "name": name, "title": title},
        "date": DAY,
        "start": f"{DAY}T{hour:02d}:{minute:02d}:00+08:00",
        "fee_fen": 5000 if title == "主任医师" else 1500,
        "remaining": 2,
    }


def stock(hospital: FakeHospital) -> None:
    mornings = [place(f"m{i}", 8 + i // 2, 30 * (i % 2), "张伟", "主治医师") for i in range(8)]
    afternoons = [place(f"a{i}", 14 + i // 2, 30 * (i % 2), "李娜", "主任医师") for i in range(6)]
    hospital.slots[f"cardiology|{DAY}"] = mornings + afternoons


async def ask(domain: dict[str, Any], view: Any = None) -> tuple[list[str], list[dict[str, str]], Any]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"department": "cardiology", "date": DAY, "slot_list_view": view})
    events = await ActionAskSlotId().run(dispatcher, tracker, domain)
    buttons = dispatcher.messages[0]["buttons"]
    return slot_events(events)["offered_choices"], buttons, slot_events(events)["slot_list_view"]


async def steer(domain: dict[str, Any], text: str, view: Any, value: str | None = None) -> Any:
    tracker = make_tracker(
        slots={"department": "cardiology", "date": DAY, "slot_list_view": view, "requested_slot": "slot_id"},
        text=text,
        active_loop="booking_form",
    )
    result = await ValidateBookingForm().validate_slot_id(value or text, CollectingDispatcher(), tracker, domain)
    assert result["slot_id"] is None
    return result["slot_list_view"]


async def test_the_first_page_has_afternoons_and_more_pages_on(hospital: FakeHospital, domain: dict) -> None:
    stock(hospital)
    first, buttons, view = await ask(domain)
    assert first == ["m0", "m1", "m2", "m3", "a0", "a1", "a2", "a3"]
    assert buttons[-1]["title"] == "更多时段" and buttons[-1]["payload"] == '/inform{"slot_id": "more"}'
    assert buttons[0]["title"].startswith("1 ")
    more = await steer(domain, "更多时段", view, value="more")
    second, buttons, _ = await ask(domain, more)
    assert second == ["m4", "m5", "m6", "m7", "a4", "a5"] and buttons[-1]["title"] != "更多时段"
    typed = await steer(domain, "还有别的吗", view)
    assert typed["page"] == 1


async def test_words_filter_the_list(hospital: FakeHospital, domain: dict) -> None:
    stock(hospital)
    _, _, view = await ask(domain)
    afternoon, _, _ = await ask(domain, await steer(domain, "有没有下午的", view))
    assert afternoon == ["a0", "a1", "a2", "a3", "a4", "a5"]
    doctor_li, _, _ = await ask(domain, await steer(domain, "要李医生的", view))
    assert doctor_li == afternoon
    experts, _, _ = await ask(domain, await steer(domain, "专家号", view))
    assert experts == afternoon


async def wish(domain: dict[str, Any], text: str, date: str, value: str | None = None) -> tuple[dict, list[str]]:
    """The patient's words at the list, with places offered from `date`'s list."""
    dispatcher = CollectingDispatcher()
    first = make_tracker(slots={"department": "cardiology", "date": date})
    offered = slot_events(await ActionAskSlotId().run(dispatcher, first, domain))
    tracker = make_tracker(
        slots={"department": "cardiology", "date": date, "requested_slot": "slot_id", **offered},
        text=text,
        active_loop="booking_form",
    )
    said = CollectingDispatcher()
    result = await ValidateBookingForm().validate_slot_id(value or text, said, tracker, domain)
    return result, [m.get("response") for m in said.messages]


async def test_an_afternoon_asked_at_a_morning_list_lists_the_afternoon(hospital: FakeHospital, domain: dict) -> None:
    """ "明天上午" chose the morning; "有没有下午的" at its list used to show the mornings again."""
    stock(hospital)
    result, _ = await wish(domain, "有没有下午的", f"{DAY} morning")
    assert result["slot_id"] is None and result["slot_list_view"]["period"] == "afternoon"
    tracker = make_tracker(
        slots={"department": "cardiology", "date": f"{DAY} morning", "slot_list_view": result["slot_list_view"]}
    )
    events = slot_events(await ActionAskSlotId().run(CollectingDispatcher(), tracker, domain))
    assert events["offered_choices"] == ["a0", "a1", "a2", "a3", "a4", "a5"]


async def test_digits_in_a_wish_are_no_place_number(hospital: FakeHospital, domain: dict) -> None:
    stock(hospital)
    result, _ = await wish(domain, "有没有下午3点的", DAY, value="3")
    assert result["slot_id"] is None and result["slot_list_view"]["period"] == "afternoon"


async def test_a_wish_asked_is_not_taken_as_the_one_place_it_fits(hospital: FakeHospital, domain: dict) -> None:
    mornings = [place(f"m{i}", 8 + i // 2, 30 * (i % 2), "张伟", "主治医师") for i in range(8)]
    hospital.slots[f"cardiology|{DAY}"] = [*mornings, place("a0", 14, 0, "李娜", "主任医师")]
    result, _ = await wish(domain, "有没有下午的", DAY)
    assert result["slot_id"] is None  # listed again, narrowed; not booked
    picked, _ = await wish(domain, "下午那个", DAY)
    assert picked["slot_id"] == "a0"  # said as a choice, it is one


async def test_nothing_as_wished_says_so_and_shows_the_day(hospital: FakeHospital, domain: dict) -> None:
    hospital.slots[f"cardiology|{DAY}"] = [place(f"m{i}", 8 + i // 2, 0, "张伟", "主治医师") for i in range(4)]
    result, _ = await wish(domain, "要主任医师的", DAY)
    assert result["slot_list_view"]["title"] == "chief"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"department": "cardiology", "date": DAY, "slot_list_view": result["slot_list_view"]})
    events = slot_events(await ActionAskSlotId().run(dispatcher, tracker, domain))
    said = [m.get("response") for m in dispatcher.messages]
    assert said == ["utter_no_slots_as_wished", "utter_ask_slot_id"]
    assert dispatcher.messages[0]["wanted"] == "主任医师"
    assert events["offered_choices"] == ["m0", "m1", "m2", "m3"]  # the nearest: the whole day


async def test_a_doctors_sex_is_answered_kindly_with_every_place(hospital: FakeHospital, domain: dict) -> None:
    stock(hospital)
    result, said = await wish(domain, "最好是女医生", DAY)
    assert result["slot_id"] is None and said == ["utter_doctor_sex_unknown"]
    assert result["slot_list_view"]["page"] == 0


async def test_just_this_beside_a_choice_takes_the_choice(hospital: FakeHospital, domain: dict) -> None:
    stock(hospital)
    result, _ = await wish(domain, "第二个，别的不要了", DAY)
    assert result["slot_id"] == "m1"


def test_a_fee_question_is_no_wish_and_a_chief_stays_a_chief() -> None:
    """ "要主任医师的", then "专家号多少钱" (a fee asked, mid-form): the list was narrowed to
    专家号 and a 副主任医师 was booked."""
    texts = ["预约骨科 要主任医师的", "专家号多少钱", "好 那就挂明天上午的"]
    view = view_from_journey(texts, f"{DAY} morning", [])
    assert (view["title"], view["period"]) == ("chief", "morning")
    assert view_from_journey(["要主任医师的", "专家号也行"], DAY, [])["title"] == "chief"


async def test_the_nearest_keeps_the_title_at_another_hour(hospital: FakeHospital, domain: dict) -> None:
    """A 主任医师 in the morning, and only afternoons have one: the afternoon 主任医师 are the
    nearest, and the list says 下午's places without calling them 上午."""
    stock(hospital)  # mornings 张伟 主治医师, afternoons 李娜 主任医师
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        slots={"department": "cardiology", "date": f"{DAY} morning"},
        events=[{"event": "user", "text": "要主任医师的"}, {"event": "action", "name": "action_reset_journey"}],
    )
    events = slot_events(await ActionAskSlotId().run(dispatcher, tracker, domain))
    assert [m.get("response") for m in dispatcher.messages] == ["utter_no_slots_as_wished", "utter_ask_slot_id"]
    assert events["offered_choices"] == ["a0", "a1", "a2", "a3", "a4", "a5"]
    assert "上午" not in dispatcher.messages[1]["date_text"]
