"""A patient's wish (time of day, title, doctor) is read from any turn, kept in the
``booking_wish`` slot and narrows every day's list; when nothing fits, the nearest day
that has it comes first (blind set 3: E01 wanted a 主任医师 in the morning, E06 a 副主任医师,
E07 an afternoon, and each booked what the day had instead). "随便" picks the earliest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ActionAskSlotId, ValidateBookingForm
from actions.booking_wishes import period_wished, read, title_of, wants_anything
from actions.dates import today_in_shanghai
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events

TODAY = today_in_shanghai()
DAY = (TODAY + timedelta(days=1)).isoformat()
NEXT = (TODAY + timedelta(days=2)).isoformat()


def place(sid: str, day: str, hour: int, name: str, title: str, department: str = "cardiology") -> dict[str, Any]:
    return {
        "id": sid,
        "department": department,
        "doctor": {"id": name, "name": name, "title": title},
        "date": day,
        "start": f"{day}T{hour:02d}:00:00+08:00",
        "fee_fen": 5000 if title == "主任医师" else 1500,
        "remaining": 2,
    }


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("有没有副主任医师的号", "deputy"),
        ("这几个都不是主任吧 我要主任医师看", "chief"),
        ("都是主治医师吗？我想给他找个主任医师", "chief"),
        ("不要主任的，主治就行", "attending"),
        ("我要睇主任醫師", "chief"),
        ("换个专家号", "expert"),
        ("挂个普通号就行", "ordinary"),
        ("专家号多少钱", None),
        ("明天上午", None),
        ("帮我妈挂个号 想让心内科的专家看看", "expert"),
        ("找个骨科专家看看腰", "expert"),
        ("不要专家看 普通的就行", "ordinary"),
        ("专家说要复查", None),
    ],
)
def test_the_title_asked_for(text: str, title: str | None) -> None:
    assert title_of(text) == title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("要副主任的，普通号勿要", "deputy"),  # Shanghainese: the refusal comes after the title
        ("普通号唔要 我要睇副主任", "deputy"),
        ("专家号就不要了，普通号就行", "ordinary"),
        ("要主任医师 主治的不用", "chief"),
        ("挂个主任的号 专家号", "chief"),  # 专家号 said after 主任 in one breath keeps the narrower
        ("专家号 最好是副主任", "deputy"),
    ],
)
def test_a_title_taken_back_after_it_or_narrowed_in_the_same_message(text: str, title: str) -> None:
    assert title_of(text) == title


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("哎呀不对，上午要跑单，改成下午噻", "afternoon"),
        ("聽日上晝得唔得", "morning"),
        ("下半晌去", "afternoon"),
        ("三十六周了，今天一上午都没感觉到宝宝动", None),
        # set 10's L22: the morning is for yum cha, so the afternoon asked first is the wish
        ("要下晝嘅 朝早我要飲茶", "afternoon"),
        ("早上要去晨练 下午吧", "afternoon"),
    ],
)
def test_the_half_of_the_day_asked_for(text: str, period: str | None) -> None:
    assert period_wished(text) == period


def test_a_later_wish_overrides_and_a_wider_one_keeps_the_narrower() -> None:
    assert read(["后天上午嘛", "改成下午噻"])["period"] == "afternoon"
    assert read(["要副主任医师的", "专家号也行"])["title"] == "deputy"


@pytest.mark.parametrize("text", ["哪天都行，随便", "不知道，你看着办，最早的那个吧", "哪个都可以", "无所谓"])
def test_leaving_the_choice_to_us(text: str) -> None:
    assert wants_anything(text)


def test_a_day_or_a_place_is_not_leaving_the_choice() -> None:
    assert not wants_anything("明天上午") and not wants_anything("第二个")


async def listed(domain: dict[str, Any], slots: dict[str, Any], events: list[dict[str, Any]] | None = None) -> tuple:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"department": "cardiology", **slots}, events=events)
    result = slot_events(await ActionAskSlotId().run(dispatcher, tracker, domain))
    return result, dispatcher.messages


def opened_with(text: str) -> list[dict[str, Any]]:
    return [{"event": "user", "text": text}, {"event": "action", "name": "action_reset_journey"}]


async def test_a_title_missing_on_the_day_comes_first_from_the_nearest_day(
    hospital: FakeHospital, domain: dict
) -> None:
    """E06: 主任医师 and 主治医师 on the day, "有没有副主任医师的号": the 副主任医师 of the next day
    come first (with their day on the button), then the day's own places."""
    hospital.slots[f"cardiology|{DAY}"] = [
        place("c1", DAY, 8, "许丽娟", "主任医师"),
        place("a1", DAY, 9, "何志强", "主治医师"),
    ]
    hospital.slots[f"cardiology|{NEXT}"] = [place("d1", NEXT, 14, "袁秀英", "副主任医师")]
    shown, _ = await listed(domain, {"date": DAY})
    tracker = make_tracker(
        slots={"department": "cardiology", "date": DAY, "requested_slot": "slot_id", **shown},
        text="有没有副主任医师的号",
        active_loop="booking_form",
    )
    form = ValidateBookingForm()
    steered = await form.validate_slot_id("有没有副主任医师的号", CollectingDispatcher(), tracker, domain)
    assert steered["slot_id"] is None and steered["booking_wish"]["title"] == "deputy"
    result, said = await listed(domain, {"date": DAY, "slot_list_view": steered["slot_list_view"]})
    assert [m["response"] for m in said] == ["utter_no_slots_as_wished_nearest", "utter_ask_slot_id"]
    assert said[0]["wanted"] == "副主任医师"
    assert result["offered_choices"] == ["d1", "c1", "a1"]
    first = said[1]["buttons"][0]["title"]
    assert first.startswith("1 袁秀英 副主任医师 ") and "下午14:00" in first and "月" in first


async def test_a_morning_chief_wished_from_the_start_is_offered_on_the_nearest_day(
    hospital: FakeHospital, domain: dict
) -> None:
    """E01: "明天 上午" and only a 主治医师 that day; "我要主任医师看": a 主任医师 morning of the
    next day is the first button, never the 主治医师 08:00 first."""
    hospital.slots[f"cardiology|{DAY}"] = [place(f"a{h}", DAY, h, "郭立新", "主治医师") for h in (8, 9, 14)]
    hospital.slots[f"cardiology|{NEXT}"] = [
        place("c_pm", NEXT, 14, "马立新", "主任医师"),
        place("c_am", NEXT, 8, "马立新", "主任医师"),
    ]
    events = [*opened_with("你好 我想挂个号 看心脏的"), {"event": "user", "text": "明天 上午"}]
    events.append({"event": "user", "text": "这几个都不是主任吧 我要主任医师看"})
    result, said = await listed(domain, {"date": f"{DAY} morning"}, events)
    assert result["offered_choices"][0] == "c_am"
    assert "c_pm" not in result["offered_choices"]  # the wish is a morning 主任医师
    assert said[0]["response"] == "utter_no_slots_as_wished_nearest" and said[0]["wanted"] == "上午、主任医师"


async def test_an_afternoon_with_the_day_is_kept_when_the_day_has_none(hospital: FakeHospital, domain: dict) -> None:
    """E07: "明天下午可以吗", the day has only mornings: the next afternoon comes first."""
    hospital.slots[f"cardiology|{DAY}"] = [place("m1", DAY, 8, "林桂兰", "主治医师")]
    hospital.slots[f"cardiology|{NEXT}"] = [place("p1", NEXT, 15, "杜春生", "副主任医师")]
    events = opened_with("我想挂一个心内科的号想找医生看看明天下午可以吗")
    result, said = await listed(domain, {"date": f"{DAY} afternoon"}, events)
    assert result["offered_choices"] == ["p1", "m1"]
    assert said[0]["response"] == "utter_no_slots_as_wished_nearest"


async def test_the_kept_wish_narrows_a_new_days_list(hospital: FakeHospital, domain: dict) -> None:
    hospital.slots[f"cardiology|{DAY}"] = [
        place("a1", DAY, 8, "何志强", "主治医师"),
        place("c1", DAY, 9, "许丽娟", "主任医师"),
    ]
    result, _ = await listed(domain, {"date": DAY, "booking_wish": {"title": "chief", "period": None}})
    assert result["offered_choices"] == ["c1"]


async def test_the_form_keeps_a_wish_said_in_any_turn(hospital: FakeHospital, domain: dict) -> None:
    hospital.slots[f"cardiology|{DAY}"] = [place("c1", DAY, 9, "许丽娟", "主任医师")]
    tracker = make_tracker(
        slots={"department": "cardiology", "requested_slot": "date", "booking_wish": {"period": "morning"}},
        text="要主任醫師的",
        active_loop="booking_form",
    )
    events = slot_events(await ValidateBookingForm().run(CollectingDispatcher(), tracker, domain))
    assert events["booking_wish"]["title"] == "chief" and events["booking_wish"]["period"] == "morning"


async def test_a_day_said_in_the_opening_message_is_taken(hospital: FakeHospital, domain: dict) -> None:
    """E05: "聽日上晝" was not tagged by the NLU; the day question came and its 今天 was a Sunday."""
    tracker = make_tracker(slots={"department": "gastroenterology"}, text="我想預約消化內科，聽日上晝得唔得")
    extracted = await ValidateBookingForm().extract_date(CollectingDispatcher(), tracker, domain)
    assert extracted == {"date": f"{DAY} morning"}


async def test_any_day_is_the_earliest_with_places(hospital: FakeHospital, domain: dict) -> None:
    """E11: "哪天都行，随便" (read as out of scope) stalled at the day question."""
    hospital.slots[f"respiratory|{NEXT}"] = [place("r1", NEXT, 9, "王芳", "主治医师", "respiratory")]
    tracker = make_tracker(
        slots={"department": "respiratory", "requested_slot": "date"}, text="哪天都行，随便", intent="out_of_scope"
    )
    extracted = await ValidateBookingForm().extract_date(CollectingDispatcher(), tracker, domain)
    assert extracted == {"date": NEXT}
    # the model may tag "哪天" as a date: a tag that is no day leaves the choice to us too
    tagged = make_tracker(
        slots={"department": "respiratory", "requested_slot": "date"},
        text="哪天都行，随便",
        entities=[{"entity": "date", "value": "哪天", "start": 0, "end": 2}],
    )
    assert await ValidateBookingForm().extract_date(CollectingDispatcher(), tagged, domain) == {"date": NEXT}
    # read as inform, the words fill the day themselves: the day question takes the earliest
    asked_day = make_tracker(
        slots={"department": "respiratory", "requested_slot": "date"},
        text="哪天都行，随便",
        events=[{"event": "slot", "name": "requested_slot", "value": "date"}],
    )
    form, dispatcher = ValidateBookingForm(), CollectingDispatcher()
    validated = await form.validate_date("哪天都行，随便", dispatcher, asked_day, domain)
    assert validated == {"date": NEXT, "slot_id": None}


async def test_any_place_is_the_first_offered(hospital: FakeHospital, domain: dict) -> None:
    slots = {"department": "respiratory", "date": NEXT, "requested_slot": "slot_id", "offered_choices": ["r1", "r2"]}
    form = ValidateBookingForm()
    tracker = make_tracker(slots=slots, text="你看着办，最早的那个吧", intent="out_of_scope")
    assert await form.extract_slot_id(CollectingDispatcher(), tracker, domain) == {"slot_id": "r1"}
    tracker = make_tracker(slots=slots, text="下午的都行")  # a wish, not a choice left to us
    assert await form.extract_slot_id(CollectingDispatcher(), tracker, domain) == {}


async def test_a_wish_read_as_a_question_narrows_the_list_shown(hospital: FakeHospital, domain: dict) -> None:
    """E13: "都是主治医师吗？我想给他找个主任医师" at the list, read as a fee question: the form goes on
    with the list narrowed to 主任医师 instead of leaving it for the FAQ."""
    hospital.slots[f"cardiology|{DAY}"] = [
        place("a1", DAY, 8, "郭立新", "主治医师"),
        place("c1", DAY, 9, "马立新", "主任医师"),
    ]
    shown, _ = await listed(domain, {"date": DAY})
    text = "都是主治医师吗？我想给他找个主任医师"
    tracker = make_tracker(
        slots={"department": "cardiology", "date": DAY, "requested_slot": "slot_id", **shown},
        text=text,
        intent="faq",
        active_loop="booking_form",
    )
    events = slot_events(await ValidateBookingForm().run(CollectingDispatcher(), tracker, domain))
    assert events["booking_wish"]["title"] == "chief" and events["slot_list_view"]["title"] == "chief"
    result, _ = await listed(domain, {"date": DAY, "slot_list_view": events["slot_list_view"]})
    assert result["offered_choices"] == ["c1"]
