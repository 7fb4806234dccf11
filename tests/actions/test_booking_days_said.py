"""The day a patient offers for when the first is full, and a name spelled by its parts
(set 5's G07, issue 13).

"这个礼拜六有没有没有的话下礼拜一也行": Saturday was full and the list showed Friday, the
nearest day, though the patient had said Monday. "郑磊关耳郑石头磊" (the name, then 郑 and 磊
said by their parts) met "请点按钮". The wordings are the patient's and variants of ours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.booking_dates import day_said_otherwise, first_day_said
from actions.dates import today_in_shanghai
from actions.patient_names import name_in
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses

TODAY = today_in_shanghai()
TOMORROW, AFTER = TODAY + timedelta(days=1), TODAY + timedelta(days=2)


def place(sid: str, day: str) -> dict[str, Any]:
    return {
        "id": sid,
        "department": "ent",
        "doctor": {"id": "d", "name": "王雪梅", "title": "主任医师"},
        "date": day,
        "start": f"{day}T09:00:00+08:00",
        "fee_fen": 5000,
        "remaining": 2,
    }


@pytest.mark.parametrize(
    ("text", "first", "other"),
    [
        ("明天没有的话后天也行", TOMORROW, AFTER),
        ("明天或者后天", TOMORROW, AFTER),
        ("明天不行的话后天", TOMORROW, AFTER),
        ("后天", AFTER, None),
    ],
)
def test_the_first_day_and_the_other(text: str, first: Any, other: Any) -> None:
    said = first_day_said(text, TODAY)
    assert said is not None and said.day == first
    otherwise = day_said_otherwise(text, said.day, TODAY)
    assert (otherwise.day if otherwise else None) == other


def test_the_patients_own_words_name_saturday_then_monday() -> None:
    text = "这个礼拜六有没有没有的话下礼拜一也行"  # G07
    said = first_day_said(text, TODAY)
    otherwise = day_said_otherwise(text, said.day, TODAY) if said else None
    assert said is not None and said.day.weekday() == 5
    assert otherwise is not None and otherwise.day.weekday() == 0 and otherwise.day > said.day


async def test_a_full_day_lists_the_day_the_patient_offered(hospital: FakeHospital, domain: dict) -> None:
    """Tomorrow is full; the day after tomorrow has places and so has one nearer to it
    (today): the patient's day is listed, not the nearest."""
    hospital.slots[f"ent|{TODAY.isoformat()}"] = [place("t0", TODAY.isoformat())]
    hospital.slots[f"ent|{AFTER.isoformat()}"] = [place("a1", AFTER.isoformat())]
    text = "明天有没有号，没有的话后天也行"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"department": "ent", "requested_slot": "date"}, text=text)
    result = await ValidateBookingForm().validate_date(text, dispatcher, tracker, domain)
    assert result == {"date": AFTER.isoformat(), "slot_id": None}
    assert responses(dispatcher) == ["utter_no_slots_day_said_otherwise"]


async def test_a_full_other_day_too_lists_the_nearest(hospital: FakeHospital, domain: dict) -> None:
    hospital.slots[f"ent|{TODAY.isoformat()}"] = [place("t0", TODAY.isoformat())]
    text = "明天没有的话后天也行"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"department": "ent", "requested_slot": "date"}, text=text)
    result = await ValidateBookingForm().validate_date(text, dispatcher, tracker, domain)
    assert result == {"date": TODAY.isoformat(), "slot_id": None}
    assert responses(dispatcher) == ["utter_no_slots_nearest_day"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("郑磊关耳郑石头磊", "郑磊"),  # G07
        ("张伟弓长张", "张伟"),
        ("李娜木子李", "李娜"),
        ("我叫吴敏口天吴", "吴敏"),
        ("郑小磊关耳郑", "郑小磊"),
        ("好的没问题就这样", None),
        ("上一步俺点错了", None),
    ],
)
def test_a_name_spelled_by_its_parts(text: str, name: str | None) -> None:
    assert name_in(text) == name
