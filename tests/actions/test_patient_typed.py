"""A phone, an ID number or a name typed at "请选择就诊人" instead of a tap (set 6's H47).

The returning daughter renewing her father's metformin typed his ID number, then her
phone, then the code at the patient buttons and heard "请点按钮" each time. A phone or an
ID number that fits one listed patient chooses that patient; one that fits none says how
to add that person; an ID number is never shown back.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import patient_typed
from actions.base import NEW_PATIENT
from actions.booking import ValidateBookingForm
from actions.refill import ValidateRefillForm
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses

LI_PHONE = "13800138002"
LI_ID = "110105195001017578"  # fits the fake hospital's masked "1101**********7578"
OTHER_ID = "440106198807153214"


def at_the_buttons(hospital: FakeHospital, text: str, *more: str) -> tuple[Any, list[str]]:
    """The returning account holds 李秀英 (and ``more``); the patient question is open."""
    ids = [hospital.add_patient("李秀英", LI_PHONE)]
    ids += [hospital.add_patient(name, "13912345678") for name in more]
    for pid in ids[1:]:
        hospital.patients[pid]["id_number"] = "3201**********0019"
    slots = {"requested_slot": "patient_id", "offered_choices": [*ids, NEW_PATIENT]}
    return make_tracker(slots=slots, text=text, active_loop="refill_form"), ids


async def choose(form: Any, tracker: Any, domain: dict) -> tuple[dict[str, Any], CollectingDispatcher]:
    """What the form makes of the message: the extraction, then the validation."""
    dispatcher = CollectingDispatcher()
    extracted = await form.extract_patient_id(dispatcher, tracker, domain)
    if "patient_id" not in extracted:
        return {}, dispatcher
    return dict(await form.validate_patient_id(extracted["patient_id"], dispatcher, tracker, domain)), dispatcher


@pytest.mark.parametrize(
    "text",
    [
        "我的電話 [手机#138****8002#k7Q2abcd]",  # H47 as the chat edge passes it on
        "[手机#138****8002#Zz9yXw11]",
        "电话13800138002",
        "手机号是13800138002 就是她",
    ],
)
async def test_a_phone_typed_at_the_buttons_chooses_its_patient(
    hospital: FakeHospital, domain: dict, text: str
) -> None:
    tracker, ids = at_the_buttons(hospital, text)
    slots, dispatcher = await choose(ValidateRefillForm(), tracker, domain)
    assert slots == {"patient_id": ids[0]}
    assert responses(dispatcher) == ["utter_patient_is"]
    assert dispatcher.messages[0]["name"] == "李*英"


@pytest.mark.parametrize("text", [LI_ID, f"我阿爸身份證 {LI_ID}", f"身份证号{LI_ID.lower()}"])
async def test_an_id_number_that_fits_a_listed_patient_chooses_them(
    hospital: FakeHospital, domain: dict, text: str
) -> None:
    tracker, ids = at_the_buttons(hospital, text, "王建国")
    for form in (ValidateRefillForm(), ValidateBookingForm()):
        slots, dispatcher = await choose(form, tracker, domain)
        assert slots == {"patient_id": ids[0]}
        assert responses(dispatcher) == ["utter_patient_is"]


async def test_an_id_number_that_fits_nobody_says_how_to_add_and_never_shows_it(
    hospital: FakeHospital, domain: dict
) -> None:
    tracker, _ = at_the_buttons(hospital, f"我爸的身份证 {OTHER_ID}")
    slots, dispatcher = await choose(ValidateRefillForm(), tracker, domain)
    assert slots == {"patient_id": None}
    assert responses(dispatcher) == []  # no "请点按钮"
    said = " ".join(str(m.get("text") or "") for m in dispatcher.messages)
    assert "添加新的就诊人" in said and "身份证号" in said
    assert OTHER_ID not in said and OTHER_ID[-4:] not in said and OTHER_ID[:6] not in said


@pytest.mark.parametrize("text", ["[身份证#k7Q2abcd]", "我阿爸的 [身份证#Ab12Cd34]"])
async def test_an_id_number_kept_back_by_the_edge_says_what_to_tap(
    hospital: FakeHospital, domain: dict, text: str
) -> None:
    """H47's first answer: the edge's placeholder holds nothing to compare, so the bot says
    plainly what to tap (a listed patient, or "添加新的就诊人") instead of "请点按钮"."""
    tracker, _ = at_the_buttons(hospital, text)
    for form in (ValidateRefillForm(), ValidateBookingForm()):
        slots, dispatcher = await choose(form, tracker, domain)
        assert slots == {"patient_id": None}
        assert responses(dispatcher) == []
        assert [m.get("text") for m in dispatcher.messages] == [patient_typed.KEPT_BACK]


async def test_a_phone_that_fits_nobody_at_the_booking_buttons_says_how_to_add(
    hospital: FakeHospital, domain: dict
) -> None:
    tracker, _ = at_the_buttons(hospital, "我爸电话13698765432")
    slots, dispatcher = await choose(ValidateBookingForm(), tracker, domain)
    assert slots == {"patient_id": None}
    assert [m.get("text") for m in dispatcher.messages] == [patient_typed.NOT_LISTED.format(what="手机号")]


async def test_a_phone_shared_by_two_listed_patients_asks_which(hospital: FakeHospital, domain: dict) -> None:
    tracker, _ = at_the_buttons(hospital, "13912345678", "王建国", "王小明")
    slots, dispatcher = await choose(ValidateBookingForm(), tracker, domain)
    assert slots == {"patient_id": None}
    assert [m.get("text") for m in dispatcher.messages] == [patient_typed.SEVERAL]


async def test_a_name_typed_at_the_buttons_still_chooses(hospital: FakeHospital, domain: dict) -> None:
    tracker, ids = at_the_buttons(hospital, "李秀英", "王建国")
    dispatcher = CollectingDispatcher()
    slots = await ValidateRefillForm().validate_patient_id("李秀英", dispatcher, tracker, domain)
    assert slots == {"patient_id": ids[0]}


async def test_nothing_is_extracted_away_from_the_patient_question(hospital: FakeHospital, domain: dict) -> None:
    hospital.add_patient("李秀英", LI_PHONE)
    tracker = make_tracker(slots={"requested_slot": "refill_question"}, text="电话13800138002")
    assert await ValidateRefillForm().extract_patient_id(CollectingDispatcher(), tracker, domain) == {}
    plain = make_tracker(slots={"requested_slot": "patient_id"}, text="第一个")
    assert await ValidateRefillForm().extract_patient_id(CollectingDispatcher(), plain, domain) == {}


@pytest.mark.parametrize(
    ("number", "shown", "fits"),
    [
        (LI_ID, "110105********7578", True),
        (LI_ID, "1101**********7578", True),
        (LI_ID, "110105********7579", False),
        (LI_ID, "******************", False),
        (LI_ID, "", False),
    ],
)
def test_an_id_number_is_compared_with_the_masked_one(number: str, shown: str, fits: bool) -> None:
    assert patient_typed.fits_masked_id(number, shown) is fits
