"""Registration details typed at the booking's department question (issue 13, set 12 round):
an ID number, a phone, a one-time code or a name is no department; the bot says what it is
asking for now, never repeats the number, and keeps the ID number and phone for the
registration. Wordings and numbers are our own."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.details_misplaced import detail_kind, masked
from tests.actions.helpers import make_tracker, slot_events

PHONE = "[手机#138****1357#Ab3dEf7h]"
ID_NUMBER = "[身份证#Hj4kLm9p]"


def at_department(text: str, **slots: Any) -> Tracker:
    tracker = make_tracker(
        slots={"requested_slot": "department", "department": text, **slots}, text=text, active_loop="booking_form"
    )
    tracker.events.append({"event": "slot", "name": "department", "value": text})
    return tracker


async def run_form(tracker: Tracker, domain: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateBookingForm().run(dispatcher, tracker, domain)
    said = [str(m.get("message") or m.get("response") or "") for m in dispatcher.messages]
    return slot_events(events), said


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (ID_NUMBER, "id_number"),
        ("[身份证号有误]", "id_number"),
        ("44010619900307123X", "id_number"),
        (PHONE, "phone"),
        ("手机 13912345678", "phone"),
        ("482913", "code"),
        ("周慧敏", "patient_name"),
        ("心内科", None),
        ("黄疸", None),
        ("头疼得厉害", None),
        ("明天", None),
    ],
)
def test_the_kind_of_detail(text: str, kind: str | None) -> None:
    assert detail_kind(text) == kind


async def test_an_id_number_is_kept_and_told_for_what_it_is(domain: dict[str, Any]) -> None:
    slots, said = await run_form(at_department(ID_NUMBER), domain)
    assert slots["department"] is None
    assert slots["id_number"] == ID_NUMBER
    assert said[0].startswith("这是身份证号吧")
    assert "utter_unknown_department" not in said and "utter_details_kept" in said


async def test_a_phone_is_kept_and_never_echoed(domain: dict[str, Any]) -> None:
    slots, said = await run_form(at_department(PHONE), domain)
    assert slots["phone"] == PHONE
    assert said[0].startswith("这是手机号吧")
    assert not any("1357" in line for line in said)


async def test_a_number_already_held_is_not_kept_twice(domain: dict[str, Any]) -> None:
    slots, said = await run_form(at_department(ID_NUMBER, id_number="[身份证#Qq1wEe2r]"), domain)
    assert "id_number" not in slots
    assert said == ["这是身份证号吧？先告诉我想挂哪个科，登记时我再问您。"]


async def test_a_code_is_explained_not_echoed(domain: dict[str, Any]) -> None:
    slots, said = await run_form(at_department("482913"), domain)
    assert slots["department"] is None
    assert len(said) == 1 and "验证码" in said[0] and "482913" not in said[0]


async def test_a_name_is_told_to_wait_for_the_registration(domain: dict[str, Any]) -> None:
    slots, said = await run_form(at_department("周慧敏"), domain)
    assert slots["department"] is None and "patient_name" not in slots
    assert said == ["这是就诊人的姓名吧？先告诉我想挂哪个科，登记时我再问您。"]


async def test_a_department_is_still_taken(domain: dict[str, Any]) -> None:
    slots, _said = await run_form(at_department("皮肤科"), domain)
    assert slots["department"] == "dermatology"


def test_an_unknown_department_is_said_back_without_digits() -> None:
    assert masked("挂个 2468 科") == "挂个 **** 科"
    assert masked(PHONE) == "****"
