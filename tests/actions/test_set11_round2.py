"""Set 11's second round (tuning material, read after its sealed scoring; wordings our own):
the half of the day asked for beside the half spent on another errand, and a code typed at
the registration's read-back before any code was sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.booking_answers import CODE_TYPED_FIRST
from actions.booking_wishes import period_wished
from actions.dates import today_in_shanghai
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

DAY = (today_in_shanghai() + timedelta(days=1)).isoformat()
DETAILS = {"patient_name": "钱桂英", "id_number": "440106198202020555", "phone": "13900003333"}
READ_BACK = {"department": "cardiology", "date": DAY, "slot_id": "s1", **DETAILS}


@pytest.mark.parametrize(
    ("text", "half"),
    [
        ("不对 伊讲要上半天 下半天伊要去医院开药", "morning"),  # Wu 伊: the afternoon is the errand's
        ("要上午的 下午他得去拿药", "morning"),
        ("换成下午吧 上午阿拉要去菜场", "afternoon"),
        ("上午伊要上班 下午好了", "afternoon"),  # 伊 busy in the morning
    ],
)
def test_the_half_spent_on_another_errand_is_no_wish(text: str, half: str) -> None:
    assert period_wished(text) == half


@pytest.mark.parametrize(
    ("text", "half"),
    [
        ("下午要去医院看看", "afternoon"),  # alone, going to the hospital is the visit itself
        ("下午不行，上午吧", "morning"),
        ("上午俺得送孩子 改下午吧", "afternoon"),
    ],
)
def test_a_single_half_or_a_change_of_mind_reads_as_before(text: str, half: str) -> None:
    assert period_wished(text) == half


@pytest.mark.parametrize("text", ["482913", "验证码 482913", "[验证码#Kk22Ll33]"])
async def test_a_code_typed_at_the_read_back_before_any_was_sent_sends_one(
    text: str, hospital: FakeHospital, domain: dict
) -> None:
    tracker = make_tracker(
        slots={**READ_BACK, "requested_slot": "registration_ok"}, text=text, active_loop="booking_form"
    )
    dispatcher = CollectingDispatcher()
    changed = slot_events(await ValidateBookingForm().run(dispatcher, tracker, domain))
    assert changed["registration_ok"] is True and changed["requested_slot"] == "bind_code"
    assert "utter_confirm_before_code" not in responses(dispatcher)
    assert dispatcher.messages[0].get("message") == CODE_TYPED_FIRST
    assert hospital.otp_codes.get(f"bind:{DETAILS['phone']}")  # the real code went out


async def test_a_payment_question_at_the_read_back_still_reads_it_back(hospital: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(
        slots={**READ_BACK, "requested_slot": "registration_ok"},
        text="微信能付吗",
        intent="pay",
        active_loop="booking_form",
    )
    dispatcher = CollectingDispatcher()
    changed = slot_events(await ValidateBookingForm().run(dispatcher, tracker, domain))
    assert changed.get("registration_ok") is None
    assert not hospital.otp_codes.get(f"bind:{DETAILS['phone']}")


async def test_a_report_asked_after_read_as_a_complaint_opens_the_results(hospital: FakeHospital, domain: dict) -> None:
    from actions.general import RESULTS_FORM, ActionResetJourney

    tracker = make_tracker(text="阿拉儿子前天验额血 报告好了伐", intent="report_symptom")
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert events[-1] == {"event": "followup", "timestamp": None, "name": RESULTS_FORM}
    complaint = make_tracker(text="报告好了伐 我头还是疼", intent="report_symptom")
    events = await ActionResetJourney().run(CollectingDispatcher(), complaint, domain)
    assert {"event": "followup", "timestamp": None, "name": RESULTS_FORM} not in events


@pytest.mark.parametrize("text", ["出院小結要怎麼影印", "我爸的住院病历能寄到家里吗"])
async def test_a_copy_of_the_records_asked_for_is_answered_from_the_facts(text: str, domain: dict) -> None:
    from actions.faq import ActionAnswerFaq
    from services.hospital_facts import load_facts

    tracker = make_tracker(text=text, intent="faq")
    tracker.latest_message["response_selector"] = {"faq": {"response": {"intents": ["faq/documents"]}}}
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert [m.get("text") for m in dispatcher.messages] == [load_facts().medical_records]
    assert "委托书" in load_facts().medical_records


async def test_what_to_bring_is_still_the_documents_answer(domain: dict) -> None:
    from actions.faq import asks_for_a_copy_of_records

    assert not asks_for_a_copy_of_records("看病要带病历本吗")


@pytest.mark.parametrize("text", ["看心理科这事 我们公司会知道吗", "挂号的记录家里人能查到不"])
async def test_who_will_know_asked_at_the_day_question_is_answered_and_the_booking_goes_on(
    text: str, hospital: FakeHospital, domain: dict
) -> None:
    from actions.appointments import ActionQueryAppointments
    from services.hospital_facts import load_facts

    tracker = make_tracker(
        text=text,
        intent="query_appointment",
        slots={"requested_slot": "date", "department": "psychology"},
        active_loop="booking_form",
    )
    dispatcher = CollectingDispatcher()
    events = await ActionQueryAppointments().run(dispatcher, tracker, domain)
    assert [m.get("text") for m in dispatcher.messages] == [load_facts().privacy_answer]
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "booking_form"}


async def test_my_appointments_asked_outside_a_booking_are_still_listed(hospital: FakeHospital, domain: dict) -> None:
    from actions.privacy_question import asks_who_will_know, privacy_asked_while_booking

    tracker = make_tracker(text="我约的号会被单位知道吗", intent="query_appointment")
    assert asks_who_will_know("我约的号会被单位知道吗") and not privacy_asked_while_booking(tracker)
    assert not asks_who_will_know("帮我查查约了哪天")


@pytest.mark.parametrize(("text", "intent"), [("验证码一直没收到啊", "inform"), ("麻烦再发一次", "go_back")])
async def test_a_code_asked_for_again_at_the_results_code_question_is_sent_again(
    text: str, intent: str, hospital: FakeHospital, domain: dict
) -> None:
    from actions.results import ValidateResultsForm

    tracker = make_tracker(
        text=text,
        intent=intent,
        slots={"patient_id": "p1", "phone": "13900004444", "requested_slot": "otp_code", "otp_attempts": 1},
        active_loop="results_form",
    )
    dispatcher = CollectingDispatcher()
    changed = slot_events(await ValidateResultsForm().run(dispatcher, tracker, domain))
    assert changed == {"otp_code": None, "requested_slot": "otp_code"}  # no wrong try counted, the phone kept
    assert responses(dispatcher) in (["utter_otp_sent"], ["utter_backend_message"])
    assert "utter_go_back" not in responses(dispatcher) and "utter_invalid_otp" not in responses(dispatcher)
