"""At the read-back's "对", a record of this ID number with another name asks the name
again (issue 13: it used to ask the ID number again and loop on "姓名与身份证号不一致").
At the phone's code, a phone with no free place ends the form instead of asking again."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ActionBookAppointment, ValidateBookingForm
from actions.general import ActionResetJourney
from actions.refill import ValidateRefillForm
from actions.results import ValidateResultsForm
from tests.actions.fake_hospital import PHONE_LIMIT_MESSAGE, FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events


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


# --- a full phone at the code (docs/security.md, accounts per phone) -----------------------
DETAILS = {"patient_name": "王五", "id_number": "440106198202020555", "phone": "13900001111"}
AT_CODE = {"department": "cardiology", "date": "2026-12-08", "slot_id": "s1", **DETAILS, "registration_ok": True}


async def code_turn(code: str, hospital: FakeHospital, domain: dict) -> tuple[dict, CollectingDispatcher]:
    """The patient confirmed the read-back (the API sent the phone's code) and types `code`:
    the booking form's whole validation run, as the form appends this turn's slot."""
    said = make_tracker(slots={**AT_CODE, "registration_ok": None}, text="对", intent="affirm")
    sent = await ValidateBookingForm().validate_registration_ok(True, CollectingDispatcher(), said, domain)
    assert sent == {"registration_ok": True, "bind_code": None}  # the code went out
    slots = {**AT_CODE, "requested_slot": "bind_code", "bind_code": code}
    tracker = make_tracker(slots=slots, text=code, active_loop="booking_form", sender="web-visit-3")
    tracker.events.append({"event": "slot", "name": "bind_code", "value": code})
    dispatcher = CollectingDispatcher()
    events = await ValidateBookingForm().run(dispatcher, tracker, domain)
    return slot_events(events), dispatcher


async def test_a_full_phone_after_the_right_code_says_what_to_do_and_ends_the_form(
    hospital: FakeHospital, domain: dict
) -> None:
    """The code was right but the phone is bound to as many accounts as allowed and none is
    a lapsed web session: asking the ID number and phone again looped, since only the phone
    on file proves the record. The API's message is said once, the form ends, nothing is
    booked, and the next message starts whatever the patient asks for."""
    hospital.full_phones.add(DETAILS["phone"])
    slots, dispatcher = await code_turn("135791", hospital, domain)
    assert slots == {"bind_code": "failed", "requested_slot": None}  # no phone, ID number or code asked again
    assert responses(dispatcher) == ["utter_backend_message"]
    assert dispatcher.messages[0]["message"] == PHONE_LIMIT_MESSAGE and "删除我的数据" in PHONE_LIMIT_MESSAGE
    ended = {**AT_CODE, "requested_slot": None, **slots}
    form = ValidateBookingForm()
    required = await form.required_slots(
        domain["forms"]["booking_form"]["required_slots"], dispatcher, make_tracker(slots=ended), domain
    )
    assert required == []
    # the rule "submit booking" runs the booking action next: it books nothing and says nothing more
    booker = CollectingDispatcher()
    events = slot_events(await ActionBookAppointment().run(booker, make_tracker(slots=ended), domain))
    assert booker.messages == [] and not [r for r in hospital.requests if r["path"] == "/api/v1/appointments"]
    assert events["booking_ok"] is False and events["bind_code"] is None
    # the next journey starts clean: the registration's answers and the marker are reset
    after = {**ended, **events}
    reset = slot_events(await ActionResetJourney().run(CollectingDispatcher(), make_tracker(slots=after), domain))
    assert {"patient_name", "id_number", "phone", "registration_ok"} <= {k for k, v in reset.items() if v is None}
    leftover = {**ended, "bind_code": "failed"}  # even had the booking action not run
    reset = slot_events(await ActionResetJourney().run(CollectingDispatcher(), make_tracker(slots=leftover), domain))
    assert reset.get("bind_code", "kept") is None


async def test_a_wrong_code_still_asks_the_code_again(hospital: FakeHospital, domain: dict) -> None:
    """Every other refusal keeps its behaviour: a wrong code (checked before the cap) asks
    for the code again, the ID number and phone kept."""
    hospital.full_phones.add(DETAILS["phone"])
    slots, dispatcher = await code_turn("000000", hospital, domain)
    assert slots == {"bind_code": None, "requested_slot": "bind_code"}
    assert responses(dispatcher) == ["utter_backend_message"] and "验证码不正确" in dispatcher.messages[0]["message"]


async def test_a_full_phone_ends_the_results_and_refill_forms_too(hospital: FakeHospital, domain: dict) -> None:
    """Results and refills register a new 就诊人 with the same form code: the same refusal ends them."""
    hospital.full_phones.add(DETAILS["phone"])
    for form, name in ((ValidateResultsForm(), "results_form"), (ValidateRefillForm(), "refill_form")):
        slots = {**DETAILS, "patient_id": "new", "registration_ok": True, "requested_slot": "bind_code"}
        hospital.otp_codes[f"bind:{DETAILS['phone']}"] = "135791"
        dispatcher = CollectingDispatcher()
        result = await form.validate_bind_code("135791", dispatcher, make_tracker(slots=slots, text="135791"), domain)
        assert result == {"bind_code": "failed"}, name
        assert [m.get("message") for m in dispatcher.messages] == [PHONE_LIMIT_MESSAGE], name
        ended = make_tracker(slots={**slots, **result})
        domain_slots = domain["forms"][name]["required_slots"]
        assert await form.required_slots(domain_slots, dispatcher, ended, domain) == [], name
