"""An appointment named by its department (and day) when one is listed (conversation set 8's
J13, issue 13): "就是后天的皮肤科 我其实应该看过敏的" at "是哪一个预约？" with the one
dermatology appointment listed fell back, and the words about allergy then sent the patient
to triage. A day said with it must be that appointment's. The patient's words and our own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments import ValidateCancelForm
from actions.dates import today_in_shanghai
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker

AFTER = (today_in_shanghai() + timedelta(days=2)).isoformat()


def _one_booked(hospital: FakeHospital, code: str = "dermatology") -> str:
    pid = hospital.add_patient("张三", "13812345678", user="u1")
    hospital.slots[f"{code}|{AFTER}"] = [
        {"id": "s1", "department": code, "doctor": {"name": "杨桂兰"},
         "start": f"{AFTER}T16:30:00+08:00", "fee_fen": 1500, "remaining": 2},
    ]  # fmt: skip
    return str(hospital.book({"patient_id": pid, "slot_id": "s1"}, None)[1]["id"])


@pytest.mark.parametrize(
    "text",
    ["就是后天的皮肤科 我其实应该看过敏的", "皮肤科那个", "后天皮肤科的那个号", "是皮肤科的 我挂错了"],
)
async def test_the_one_listed_is_chosen_by_its_department(hospital: FakeHospital, domain: dict, text: str) -> None:
    apt = _one_booked(hospital)
    slots = {"requested_slot": "appointment_id", "offered_choices": [apt]}
    tracker = make_tracker(slots=slots, text=text, intent="inform")
    got = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got == {"appointment_id": apt}


@pytest.mark.parametrize("text", ["明天的皮肤科", "眼科那个", "下周三那个皮肤科"])
async def test_another_day_or_department_is_not_the_one_listed(hospital: FakeHospital, domain: dict, text: str) -> None:
    apt = _one_booked(hospital)
    slots = {"requested_slot": "appointment_id", "offered_choices": [apt]}
    tracker = make_tracker(slots=slots, text=text, intent="inform")
    assert await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain) == {}


@pytest.mark.parametrize("text", ["是后天那个", "后天的那个号"])
async def test_the_one_listed_is_chosen_by_its_day(hospital: FakeHospital, domain: dict, text: str) -> None:
    """ "不对 不是明天 是后天那个" reaches the bot as "是后天那个" inside an errand
    (services/conversation/errand_days.py): the day alone names the appointment."""
    apt = _one_booked(hospital)
    slots = {"requested_slot": "appointment_id", "offered_choices": [apt]}
    tracker = make_tracker(slots=slots, text=text, intent="inform")
    got = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got == {"appointment_id": apt}
