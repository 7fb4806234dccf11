"""A place on the slot list chosen by the time said (issue 13, set 5's G02, G09, G11, G12).

Patients answer the list with the clock, not the number: "下午兩點半那個", "八点那个",
"上午吧☀️ 9点那个", "上午 8点半 那个". Two classes of defect kept them at the list until
they gave up: several doctors at the time said (the pick was refused as ambiguous), and a
list that shows the nearest day with the wish before the day asked (the time was looked
for on the day asked only). A third: "后天 上五", 上午 typed by sound, was no half of the day.
The wordings below are the patients' own and variants of ours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.booking_wishes import period_wished
from actions.dates import resolve, today_in_shanghai
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses

TODAY = today_in_shanghai()
DAY = (TODAY + timedelta(days=2)).isoformat()
NEXT = (TODAY + timedelta(days=3)).isoformat()


def place(sid: str, hour: int, minute: int, name: str, title: str, day: str = DAY) -> dict[str, Any]:
    return {
        "id": sid,
        "department": "endocrinology",
        "doctor": {"id": name, "name": name, "title": title},
        "date": day,
        "start": f"{day}T{hour:02d}:{minute:02d}:00+08:00",
        "fee_fen": 1500,
        "remaining": 2,
    }


@pytest.fixture
def two_doctors(hospital: FakeHospital) -> FakeHospital:
    """Two doctors every half hour, as the seed's departments have them."""
    hospital.slots[f"endocrinology|{DAY}"] = [
        place("h0800", 8, 0, "何志强", "主治医师"),
        place("x0800", 8, 0, "许丽娟", "主任医师"),
        place("h1430", 14, 30, "何志强", "主治医师"),
        place("x1430", 14, 30, "许丽娟", "主任医师"),
        place("h1500", 15, 0, "何志强", "主治医师"),
    ]
    return hospital


def at_list(offered: list[str], date: str = DAY) -> dict[str, Any]:
    return {"department": "endocrinology", "date": date, "requested_slot": "slot_id", "offered_choices": offered}


async def pick(text: str, slots: dict[str, Any], domain: dict) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots=slots, text=text)
    result = await ValidateBookingForm().validate_slot_id(text, dispatcher, tracker, domain)
    return result, responses(dispatcher)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("下午兩點半那個", "h1430"),  # G09, traditional script
        ("两点半的", "h1430"),
        ("要14:30那个", "h1430"),
        ("八点那个", "h0800"),  # G11
        ("早上8点的吧", "h0800"),
    ],
)
async def test_a_time_two_doctors_share_takes_the_first_listed_and_says_so(
    two_doctors: FakeHospital, domain: dict, text: str, expected: str
) -> None:
    offered = ["h0800", "x0800", "h1430", "x1430", "h1500"]
    result, said = await pick(text, at_list(offered), domain)
    assert result == {"slot_id": expected}
    assert said == ["utter_first_of_several_taken"]


async def test_a_time_one_doctor_has_is_taken_without_a_word(two_doctors: FakeHospital, domain: dict) -> None:
    offered = ["h0800", "x0800", "h1430", "x1430", "h1500"]
    result, said = await pick("三点那个", at_list(offered), domain)
    assert result == {"slot_id": "h1500"} and said == []


async def test_a_time_nobody_has_is_no_pick(two_doctors: FakeHospital, domain: dict) -> None:
    offered = ["h0800", "x0800", "h1430", "x1430", "h1500"]
    result, _ = await pick("十点半那个", at_list(offered), domain)
    assert result.get("slot_id") is None


@pytest.fixture
def morning_elsewhere(hospital: FakeHospital) -> FakeHospital:
    """The day asked has afternoon places only; the list shows the next day's morning first."""
    hospital.slots[f"endocrinology|{DAY}"] = [
        place("a1330", 13, 30, "姚丽娟", "主任医师"),
        place("a1400", 14, 0, "姚丽娟", "主任医师"),
    ]
    hospital.slots[f"endocrinology|{NEXT}"] = [
        place("m0800", 8, 0, "苏永刚", "副主任医师", NEXT),
        place("m0830", 8, 30, "苏永刚", "副主任医师", NEXT),
        place("m0900", 9, 0, "苏永刚", "副主任医师", NEXT),
    ]
    return hospital


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("上午吧☀️ 9点那个", "m0900"),  # G12
        ("上午 8点半 那个", "m0830"),  # G02
        ("要早上八点那个", "m0800"),
        ("下午两点的", "a1400"),
    ],
)
async def test_a_time_on_the_nearest_day_the_list_shows_first_is_taken(
    morning_elsewhere: FakeHospital, domain: dict, text: str, expected: str
) -> None:
    offered = ["m0800", "m0830", "m0900", "a1330", "a1400"]
    result, said = await pick(text, at_list(offered), domain)
    assert result == {"slot_id": expected} and said == []


@pytest.mark.parametrize(
    ("text", "period"),
    [("后天 上五", "morning"), ("明天下五", "afternoon"), ("礼拜五上五", "morning"), ("后天上午", "morning")],
)
def test_the_half_of_the_day_typed_by_sound(text: str, period: str) -> None:
    assert resolve(text, TODAY) is not None and resolve(text, TODAY).period == period  # type: ignore[union-attr]
    assert period_wished(text) == period


@pytest.mark.parametrize("text", ["周五", "上五楼", "下五个", "下周五", "第五个"])
def test_a_fifth_is_no_half_of_the_day(text: str) -> None:
    assert period_wished(text) is None
