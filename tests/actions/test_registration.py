"""At the read-back's "对", a record of this ID number with another name asks the name
again (issue 13: it used to ask the ID number again and loop on "姓名与身份证号不一致")."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses


async def test_a_name_the_record_does_not_carry_asks_the_name_again(hospital: FakeHospital, domain: dict) -> None:
    hospital.fail_next.append((422, {"error": "invalid", "message": "姓名与身份证号不一致，请核对"}))
    details = {"patient_name": "王五", "id_number": "440106198202020555", "phone": "13900001111"}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots=details, text="对", intent="affirm")
    result = await ValidateBookingForm().validate_registration_ok(True, dispatcher, tracker, domain)
    assert result == {"registration_ok": None, "patient_name": None}  # the ID number and phone stay
    assert responses(dispatcher) == ["utter_backend_message"] and "姓名" in dispatcher.messages[0]["message"]


async def test_other_refusals_still_ask_the_id_number_and_phone(hospital: FakeHospital, domain: dict) -> None:
    hospital.fail_next.append((422, {"error": "invalid", "message": "这个身份证号正在登记中，请稍后再试"}))
    details = {"patient_name": "王五", "id_number": "440106198202020555", "phone": "13900001111"}
    tracker = make_tracker(slots=details, text="对", intent="affirm")
    result = await ValidateBookingForm().validate_registration_ok(True, CollectingDispatcher(), tracker, domain)
    assert result == {"registration_ok": None, "phone": None, "id_number": None}
