"""A chat that holds nobody yet is asked the phone on file, then the code sent there
(issue 13): results, refills, cancel and the appointment list then go on as for a
returning patient, instead of "没有查到您的预约" or a registration."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.appointments import ActionQueryAppointments, ValidateAppointmentsForm, ValidateCancelForm
from actions.booking import ActionAskPatientId
from actions.refill import ActionAskPrescriptionId, ValidateRefillForm
from actions.results import ActionShowResults, ValidateResultsForm
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

PHONE = "13812345678"
FRESH = "fresh-visitor"  # a chat account with no patient


def domain_slots(domain: dict[str, Any], form: str) -> list[str]:
    return list(domain["forms"][form]["required_slots"])


def on_file(hospital: FakeHospital) -> str:
    """A patient registered earlier from another chat (the desk, another phone)."""
    pid = hospital.add_patient("张建国", PHONE, user="someone-else")
    hospital.results[pid] = [{"title": "血常规", "status": "final", "items": [{"name": "白细胞", "flag": "H"}]}]
    hospital.prescriptions[pid] = [{"id": "rx1", "diagnosis": "高血压", "items": [{"drug": "氨氯地平"}]}]
    return pid


async def test_a_fresh_chat_is_asked_the_phone_then_the_code_not_a_registration(
    hospital: FakeHospital, domain: dict
) -> None:
    on_file(hospital)
    form, dispatcher = ValidateResultsForm(), CollectingDispatcher()
    tracker = make_tracker(sender=FRESH)
    required = await form.required_slots(domain_slots(domain, "results_form"), dispatcher, tracker, domain)
    assert required[:3] == ["phone", "otp_code", "patient_id"] and "patient_name" not in required
    # the refill form the same, and its own questions after the patient
    required = await ValidateRefillForm().required_slots(
        domain_slots(domain, "refill_form"), dispatcher, tracker, domain
    )
    assert required == ["phone", "otp_code", "patient_id", "refill_followup", "prescription_id", "refill_question"]


async def test_results_for_a_fresh_chat_after_the_code_sent_to_the_phone_on_file(
    hospital: FakeHospital, domain: dict
) -> None:
    pid = on_file(hospital)
    form, dispatcher = ValidateResultsForm(), CollectingDispatcher()
    sent = await form.validate_phone(PHONE, dispatcher, make_tracker(text=PHONE, sender=FRESH), domain)
    assert sent["phone"] == PHONE and responses(dispatcher) == ["utter_identify_code_sent"]
    assert hospital.otp_codes[PHONE] == "246810"
    # a wrong code is said to be wrong, the patient is not bound
    dispatcher = CollectingDispatcher()
    wrong = await form.validate_otp_code(
        "111111", dispatcher, make_tracker(slots={"phone": PHONE}, text="111111", sender=FRESH), domain
    )
    assert wrong["otp_code"] is None and responses(dispatcher) == ["utter_identify_code_wrong"]
    assert hospital.accounts.get(("web", FRESH), []) == []
    dispatcher = CollectingDispatcher()
    slots = await form.validate_otp_code(
        "246810", dispatcher, make_tracker(slots={"phone": PHONE}, text="246810", sender=FRESH), domain
    )
    assert slots["otp_code"] == "verified" and slots["patient_id"] == pid and slots["otp_token"] == f"otp-{PHONE}"
    assert responses(dispatcher) == ["utter_identified"] and dispatcher.messages[0]["names"] == "张*国"  # masked
    assert hospital.accounts[("web", FRESH)] == [pid]  # the chat now holds the patient
    # nothing more to ask: the reports are shown with the grant the code earned
    after = make_tracker(slots={"phone": PHONE, **slots}, sender=FRESH)
    assert await form.required_slots(domain_slots(domain, "results_form"), dispatcher, after, domain) == [
        "patient_id",
        "phone",
        "otp_code",
    ]
    dispatcher = CollectingDispatcher()
    await ActionShowResults().run(dispatcher, after, domain)
    assert "utter_result_item" in responses(dispatcher) and dispatcher.messages[0]["name"] == "血常规"


async def test_a_code_validated_again_in_the_same_turn_stays_verified(hospital: FakeHospital, domain: dict) -> None:
    """After an interruption Rasa runs the form's validation again on the same message: the
    code is spent by then, and "verified" must not turn into "wrong code"."""
    on_file(hospital)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"phone": PHONE, "otp_code": "verified"}, text="246810", sender=FRESH)
    assert await ValidateRefillForm().validate_otp_code("verified", dispatcher, tracker, domain) == {
        "otp_code": "verified"
    }
    assert responses(dispatcher) == []


async def test_a_phone_and_code_typed_at_which_patient_are_taken(hospital: FakeHospital, domain: dict) -> None:
    """A returning patient who types the phone at the patient buttons (the blind refill
    conversations) is not left at the buttons: the phone and code are checked there."""
    pid = hospital.add_patient("张建国", PHONE, user="u1")
    form, dispatcher = ValidateRefillForm(), CollectingDispatcher()
    tracker = make_tracker(slots={"requested_slot": "patient_id"}, text=PHONE)
    required = await form.required_slots(domain_slots(domain, "refill_form"), dispatcher, tracker, domain)
    assert required[:3] == ["patient_id", "phone", "otp_code"]
    sent = await form.validate_phone(PHONE, dispatcher, tracker, domain)
    assert sent["phone"] == PHONE and hospital.otp_codes[PHONE] == "246810"
    typed = make_tracker(slots={"phone": PHONE}, text="246810")
    slots = await form.validate_otp_code("246810", dispatcher, typed, domain)
    assert slots["patient_id"] == pid and slots["otp_code"] == "verified"
    chosen = make_tracker(slots={"phone": PHONE, **slots})
    required = await form.required_slots(domain_slots(domain, "refill_form"), dispatcher, chosen, domain)
    assert required == ["patient_id", "refill_followup", "prescription_id", "refill_question"]


async def test_cancel_for_a_fresh_chat_asks_the_phone_then_lists_its_appointments(
    hospital: FakeHospital, domain: dict
) -> None:
    pid = on_file(hospital)
    hospital.appointments["apt_9"] = {
        "id": "apt_9",
        "status": "confirmed",
        "patient_id": pid,
        "department": "cardiology",
        "department_name": "心血管内科",
        "doctor": {"name": "王医生", "title": "主任医师"},
        "start": "2099-01-05T08:00:00+08:00",
    }
    form, dispatcher = ValidateCancelForm(), CollectingDispatcher()
    fresh = make_tracker(sender=FRESH)
    assert await form.required_slots(domain_slots(domain, "cancel_form"), dispatcher, fresh, domain) == [
        "phone",
        "otp_code",
        "appointment_id",
        "confirm_cancel",
    ]
    await form.validate_phone(PHONE, dispatcher, make_tracker(text=PHONE, sender=FRESH), domain)
    slots = await form.validate_otp_code(
        "246810", dispatcher, make_tracker(slots={"phone": PHONE}, text="246810", sender=FRESH), domain
    )
    assert slots["otp_code"] == "verified"
    known = make_tracker(slots={"phone": PHONE, **slots}, sender=FRESH)
    assert await form.required_slots(domain_slots(domain, "cancel_form"), dispatcher, known, domain) == [
        "appointment_id",
        "confirm_cancel",
    ]


async def test_the_appointment_list_for_a_fresh_chat_proves_the_phone_first(
    hospital: FakeHospital, domain: dict
) -> None:
    on_file(hospital)
    dispatcher = CollectingDispatcher()
    events = await ActionQueryAppointments().run(dispatcher, make_tracker(sender=FRESH), domain)
    assert events == [{"event": "followup", "name": "appointments_form", "timestamp": None}]
    assert "utter_no_appointments" not in responses(dispatcher)
    form = ValidateAppointmentsForm()
    fresh = make_tracker(sender=FRESH)
    assert await form.required_slots(domain_slots(domain, "appointments_form"), dispatcher, fresh, domain) == [
        "phone",
        "otp_code",
    ]
    # three wrong codes end it with a clear word, and the list does not loop back into the form
    failed = make_tracker(slots={"otp_code": "failed"}, sender=FRESH)
    assert await form.required_slots(domain_slots(domain, "appointments_form"), dispatcher, failed, domain) == []
    tracker = make_tracker(sender=FRESH)
    tracker.latest_action_name = "appointments_form"
    events = await ActionQueryAppointments().run(dispatcher, tracker, domain)
    assert not [e for e in events if e.get("event") == "followup"]
    assert slot_events(events) == {} and "utter_no_appointments" in responses(dispatcher)


async def test_yes_at_which_appointment_takes_the_only_one_offered(hospital: FakeHospital, domain: dict) -> None:
    """Inside the cancellation the yes also answers "确定要取消吗？" (set 12's S25, S40); when
    moving it, it only chooses (tests/actions/test_only_one_appointment.py)."""
    form = ValidateCancelForm()
    slots = {"requested_slot": "appointment_id", "offered_choices": ["apt_1"]}
    for text, intent in [("係", "out_of_scope"), ("是", "affirm"), ("对的", "inform")]:
        tracker = make_tracker(slots=slots, text=text, intent=intent)
        chosen = {"appointment_id": "apt_1", "confirm_cancel": True}
        assert await form.extract_appointment_id(CollectingDispatcher(), tracker, domain) == chosen
    two = make_tracker(slots={**slots, "offered_choices": ["apt_1", "apt_2"]}, text="是", intent="affirm")
    assert await form.extract_appointment_id(CollectingDispatcher(), two, domain) == {}
    other = make_tracker(slots=slots, text="我想问问退款", intent="faq")
    assert await form.extract_appointment_id(CollectingDispatcher(), other, domain) == {}


async def test_the_patient_this_chat_already_held_is_chosen_among_the_phones(
    hospital: FakeHospital, domain: dict
) -> None:
    """Blind C43/C46 (returning): the chat holds 张建国; his grandson is on the same phone.
    The code finds both, and the one the chat already held is the one meant."""
    grandpa = hospital.add_patient("张建国", PHONE, user="u1")
    hospital.add_patient("张小明", PHONE, user="someone-else")
    hospital.otp_codes[PHONE] = "246810"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"phone": PHONE}, text="246810")
    slots = await ValidateRefillForm().validate_otp_code("246810", dispatcher, tracker, domain)
    assert slots["patient_id"] == grandpa and slots["otp_code"] == "verified"
    assert dispatcher.messages[0]["names"] == "张*国、张*明"


async def test_the_only_renewable_prescription_is_taken_without_a_choice(hospital: FakeHospital, domain: dict) -> None:
    pid = on_file(hospital)
    dispatcher = CollectingDispatcher()
    events = await ActionAskPrescriptionId().run(dispatcher, make_tracker(slots={"patient_id": pid}), domain)
    assert responses(dispatcher) == ["utter_refill_only_one", "utter_ask_refill_question"]
    assert "氨氯地平" in dispatcher.messages[0]["prescription"]
    chosen = slot_events(events)
    assert chosen["prescription_id"] == "rx1" and chosen["requested_slot"] == "refill_question"


async def test_a_fresh_chat_whose_phone_holds_two_patients_is_asked_which_by_masked_name(
    hospital: FakeHospital, domain: dict
) -> None:
    """The phone on file holds a grandfather and his grandson, both with reports: the code
    finds both, the bot asks which one (names masked), the name typed is taken, and the
    reports follow with the grant the code earned."""
    grandpa = on_file(hospital)
    grandson = hospital.add_patient("王小明", PHONE, user="someone-else")
    hospital.results[grandson] = [{"title": "微量元素", "status": "final", "items": []}]
    hospital.otp_codes[PHONE] = "246810"
    form, dispatcher = ValidateResultsForm(), CollectingDispatcher()
    coded = make_tracker(slots={"phone": PHONE, "requested_slot": "otp_code"}, text="246810", sender=FRESH)
    slots = await form.validate_otp_code("246810", dispatcher, coded, domain)
    assert slots["otp_code"] == "verified" and "patient_id" not in slots
    assert dispatcher.messages[0]["names"] == "张*国、王*明"
    known = {"phone": PHONE, **slots}
    tracker = make_tracker(slots=known, sender=FRESH)
    required = await form.required_slots(domain_slots(domain, "results_form"), dispatcher, tracker, domain)
    assert required[0] == "patient_id"
    dispatcher = CollectingDispatcher()
    asked = slot_events(await ActionAskPatientId().run(dispatcher, tracker, domain))
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles[:2] == ["1 张*国 138****5678", "2 王*明 138****5678"]
    typed = make_tracker(slots={**known, **asked, "requested_slot": "patient_id"}, text="张建国", sender=FRESH)
    chosen = await form.validate_patient_id("张建国", CollectingDispatcher(), typed, domain)
    assert chosen == {"patient_id": grandpa}
    dispatcher = CollectingDispatcher()
    await ActionShowResults().run(dispatcher, make_tracker(slots={**known, **chosen}, sender=FRESH), domain)
    assert "utter_result_item" in responses(dispatcher) and dispatcher.messages[0]["name"] == "血常规"


async def test_the_same_phone_again_at_the_code_question_sends_nothing_and_says_what_to_do(
    hospital: FakeHospital, domain: dict
) -> None:
    """A patient who is not on file gets no SMS and typed the phone again: each time it went
    back to the phone question (a "复查" booking read as "my appointments" looped there).
    As in the real stack: the edge gives each typing a new placeholder, and the NLU's
    entity (which overwrote the slot before validation) may lose the placeholder's "]"."""
    first, again = "[手机#139****1235#AAAA1111]", "[手机#139****1235#BBBB2222]"
    form = ValidateAppointmentsForm()
    before = [{"event": "slot", "name": "phone", "value": first}]
    waiting = {"phone": again[:-1], "requested_slot": "otp_code", "otp_attempts": 0}
    sends_before = sum(1 for r in hospital.requests if r.get("path") == "/api/v1/otp")
    dispatcher = CollectingDispatcher()
    typed = make_tracker(slots=waiting, text=again, sender=FRESH, events=before)
    assert await form.validate_phone(again[:-1], dispatcher, typed, domain) == {"phone": first}
    assert responses(dispatcher) == ["utter_identify_code_not_received"]
    assert dispatcher.messages[0]["phone_masked"] == "139****1235"
    assert sum(1 for r in hospital.requests if r.get("path") == "/api/v1/otp") == sends_before
    dispatcher = CollectingDispatcher()
    slots = await form.validate_otp_code(again, dispatcher, typed, domain)
    assert slots == {"otp_code": None} and responses(dispatcher) == []  # not a wrong code
    dispatcher = CollectingDispatcher()
    none_came = make_tracker(slots={**waiting, "phone": first}, text="我没收到验证码", sender=FRESH)
    assert await form.validate_otp_code("我没收到验证码", dispatcher, none_came, domain) == {"otp_code": None}
    assert responses(dispatcher) == ["utter_identify_code_not_received"]
    # another phone typed there is a new phone: a code goes to it
    dispatcher = CollectingDispatcher()
    other = make_tracker(slots={**waiting, "phone": "13900009999"}, text="13900009999", sender=FRESH, events=before)
    assert (await form.validate_phone("13900009999", dispatcher, other, domain))["phone"] == "13900009999"
    assert responses(dispatcher) == ["utter_identify_code_sent"]


async def test_a_code_sent_a_minute_ago_is_asked_for_not_the_phone_again(hospital: FakeHospital, domain: dict) -> None:
    """ "明天的号去不了了", then "改时间吧": the new journey asked the phone again, the code
    was sent a minute ago (429), and the phone was asked again and again."""
    on_file(hospital)
    hospital.fail_next.append((429, {"error": "rate_limited", "message": "验证码发送太频繁，请59秒后再试"}))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"requested_slot": "phone"}, text=PHONE, sender=FRESH)
    slots = await ValidateCancelForm().validate_phone(PHONE, dispatcher, tracker, domain)
    assert slots["phone"] == PHONE and slots["otp_code"] is None  # the code question comes next
    assert responses(dispatcher) == ["utter_identify_code_not_received"]


async def test_a_full_phone_after_a_right_code_says_what_to_do_and_asks_the_phone_no_more(
    hospital: FakeHospital, domain: dict
) -> None:
    """The phone is bound to as many accounts as allowed and none could be released (WeChat,
    Alipay, open web chats): the code was right, so asking the phone again only looped
    (set 5's third fresh visitor). The API's plain message is said and the form ends."""
    on_file(hospital)
    message = (
        "这个手机号已绑定的账号数量已达上限，暂时不能再绑定新的账号。"
        "请在原来绑定的微信、支付宝或设备上发送“删除我的数据”解除绑定，或致电医院由工作人员核实身份后办理"
    )
    held_before: tuple[int, Any] = (200, [])  # the chat's patients, read before the claim
    hospital.fail_next += [held_before, (409, {"error": "phone_limit", "message": message})]
    form, dispatcher = ValidateResultsForm(), CollectingDispatcher()
    tracker = make_tracker(slots={"phone": PHONE}, text="246810", sender=FRESH)
    slots = await form.validate_otp_code("246810", dispatcher, tracker, domain)
    assert slots["otp_code"] == "failed" and "phone" not in slots  # the phone is not asked again
    assert responses(dispatcher) == ["utter_backend_message"] and dispatcher.messages[0]["message"] == message
    after = make_tracker(slots={"phone": PHONE, **slots}, sender=FRESH)
    assert await form.required_slots(domain_slots(domain, "results_form"), dispatcher, after, domain) == []
