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


async def test_an_answer_at_the_name_question_is_no_name(domain: dict) -> None:
    """ "对的没问题确认" was registered as a patient's name (blind set 3, E07)."""
    form = ValidateBookingForm()
    for said in ("对的没问题确认", "好的", "确认", "随便吧", "明天上午"):
        dispatcher = CollectingDispatcher()
        result = await form.validate_patient_name(said, dispatcher, make_tracker(text=said), domain)
        assert result == {"patient_name": None}, said
        assert responses(dispatcher) == ["utter_invalid_name"]
    for name in ("周建国", "欧阳可欣", "阿依古丽·买买提", "我叫李敏"):
        result = await form.validate_patient_name(name, CollectingDispatcher(), make_tracker(text=name), domain)
        assert result["patient_name"] == name.removeprefix("我叫"), name
