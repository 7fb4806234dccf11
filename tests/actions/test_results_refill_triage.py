"""Results (OTP first), refills (follow-ups only), triage (red flags)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.refill import ActionAskPrescriptionId, ActionRequestRefill, ValidateRefillForm
from actions.results import ActionShowResults, ValidateResultsForm, phone_matches
from actions.triage import ActionTriage, ValidateTriageForm, triage_text
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

PHONE = "13812345678"


@pytest.fixture
def patient(hospital: FakeHospital) -> str:
    pid = hospital.add_patient("李秀英", PHONE, user="u1")
    hospital.results[pid] = [
        {
            "title": "血常规",
            "status": "final",
            "reported_at": "2026-11-25T10:00:00+08:00",
            "items": [{"name": "白细胞", "flag": "H"}],
        },
    ]
    hospital.prescriptions[pid] = [
        {"id": "rx1", "diagnosis": "高血压", "issued_on": "2026-10-01", "items": [{"drug": "氨氯地平"}]},
        {"id": "rx2", "diagnosis": "2型糖尿病", "issued_on": "2026-10-02", "items": [{"drug": "二甲双胍"}]},
    ]
    return pid


# --- results -------------------------------------------------------------------------
def test_phone_must_match_the_masked_one() -> None:
    assert phone_matches(PHONE, "138****5678")
    assert not phone_matches("13900005678", "138****5678")


async def test_phone_sends_otp_only_when_it_matches(hospital: FakeHospital, patient: str, domain: dict) -> None:
    form, dispatcher = ValidateResultsForm(), CollectingDispatcher()
    result = await form.validate_phone("13900000000", dispatcher, make_tracker(slots={"patient_id": patient}), domain)
    assert result == {"phone": None} and responses(dispatcher) == ["utter_phone_mismatch"]
    assert hospital.otp_codes == {}
    dispatcher = CollectingDispatcher()
    result = await form.validate_phone(PHONE, dispatcher, make_tracker(slots={"patient_id": patient}), domain)
    assert result["phone"] == PHONE and responses(dispatcher) == ["utter_otp_sent"]
    assert dispatcher.messages[0]["phone_masked"] == "138****5678"
    assert hospital.otp_codes == {PHONE: "246810"}


async def test_wrong_code_three_times_stops(hospital: FakeHospital, patient: str, domain: dict) -> None:
    form = ValidateResultsForm()
    hospital.otp_codes[PHONE] = "246810"
    slots: dict[str, Any] = {"patient_id": patient, "phone": PHONE}
    for _ in range(3):
        dispatcher = CollectingDispatcher()
        result = await form.validate_otp_code("111111", dispatcher, make_tracker(slots=slots, text="111111"), domain)
        slots.update(result)
    assert result["otp_code"] == "failed" and responses(dispatcher) == ["utter_otp_failed"]


async def test_results_only_after_verification(hospital: FakeHospital, patient: str, domain: dict) -> None:
    hospital.otp_codes[PHONE] = "246810"
    form, dispatcher = ValidateResultsForm(), CollectingDispatcher()
    slots = {"patient_id": patient, "phone": PHONE}
    result = await form.validate_otp_code("246810", dispatcher, make_tracker(slots=slots, text="246810"), domain)
    assert result["otp_code"] == "verified"

    dispatcher = CollectingDispatcher()
    events = await ActionShowResults().run(dispatcher, make_tracker(slots={**slots, **result}), domain)
    assert responses(dispatcher) == ["utter_result_item", "utter_results_footer"]
    assert dispatcher.messages[0]["name"] == "血常规" and "白细胞偏高" in dispatcher.messages[0]["summary"]
    assert slot_events(events)["otp_token"] is None  # one listing per verification

    dispatcher = CollectingDispatcher()
    await ActionShowResults().run(dispatcher, make_tracker(slots={**slots, "otp_code": "failed"}), domain)
    assert dispatcher.messages == []


# --- refills -----------------------------------------------------------------------------
async def test_first_visit_cannot_refill_online(hospital: FakeHospital, patient: str, domain: dict) -> None:
    form, dispatcher = ValidateRefillForm(), CollectingDispatcher()
    result = await form.validate_refill_followup(False, dispatcher, make_tracker(), domain)
    assert result == {"refill_followup": False} and responses(dispatcher) == ["utter_refill_first_visit"]
    slots = domain["forms"]["refill_form"]["required_slots"]
    tracker = make_tracker(slots={"patient_id": patient, "refill_followup": False})
    required = await form.required_slots(slots, CollectingDispatcher(), tracker, domain)
    assert required == ["patient_id", "refill_followup"]
    dispatcher = CollectingDispatcher()
    await ActionRequestRefill().run(dispatcher, tracker, domain)
    assert hospital.refills == []


async def test_prescriptions_offered_as_numbered_buttons(hospital: FakeHospital, patient: str, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAskPrescriptionId().run(dispatcher, make_tracker(slots={"patient_id": patient}), domain)
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == [
        "1 高血压 氨氯地平 2026-10-01",
        "2 2型糖尿病 二甲双胍 2026-10-02",
    ]
    assert slot_events(events) == {"offered_choices": ["rx1", "rx2"], "requested_slot": "prescription_id"}


async def test_drug_named_earlier_preselects(hospital: FakeHospital, patient: str, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": patient, "drug": "二甲双胍"})
    events = await ActionAskPrescriptionId().run(dispatcher, tracker, domain)
    assert slot_events(events)["prescription_id"] == "rx2"
    assert responses(dispatcher) == ["utter_refill_only_one", "utter_ask_refill_question"]  # which one, said


async def test_refill_submitted_with_question(hospital: FakeHospital, patient: str, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"patient_id": patient, "refill_followup": True, "prescription_id": "rx1", "refill_question": "最近头晕"}
    await ActionRequestRefill().run(dispatcher, make_tracker(slots=slots), domain)
    assert responses(dispatcher) == ["utter_refill_submitted"]
    assert hospital.refills == [{"patient_id": patient, "prescription_id": "rx1", "answers": {"question": "最近头晕"}}]


async def test_refill_not_eligible(hospital: FakeHospital, patient: str, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"patient_id": patient, "refill_followup": True, "prescription_id": "rx9", "refill_question": ""}
    await ActionRequestRefill().run(dispatcher, make_tracker(slots=slots), domain)
    assert responses(dispatcher) == ["utter_backend_message", "utter_refill_not_eligible"]
    assert dispatcher.messages[0]["message"] == "这张处方不能续方"


async def test_only_eligible_prescriptions_are_offered(hospital: FakeHospital, patient: str, domain: dict) -> None:
    for rx in hospital.prescriptions[patient]:
        rx.update(eligible=False, reason="距上次开药不足20天，暂时不能续方")
    dispatcher = CollectingDispatcher()
    events = await ActionAskPrescriptionId().run(dispatcher, make_tracker(slots={"patient_id": patient}), domain)
    assert responses(dispatcher) == ["utter_backend_message", "utter_no_prescriptions"]
    assert slot_events(events)["prescription_id"] == "none"


# --- triage ------------------------------------------------------------------------------
SYMPTOM_EVENTS: list[dict[str, Any]] = [
    {"event": "user", "text": "我头疼", "parse_data": {"intent": {"name": "report_symptom"}}},
    {"event": "bot", "text": "这样有多长时间了？"},
]


async def test_triage_routine_recommends_and_offers_booking(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"age": "72", "duration": "三天"}, text="72岁", events=SYMPTOM_EVENTS)
    assert triage_text(tracker) == "我头疼"  # the bare age goes as the age, not as words
    events = await ActionTriage().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_triage_routine", "utter_triage_offer_booking"]
    assert dispatcher.messages[0]["departments"] == "心血管内科"
    assert slot_events(events) == {"triage_level": "routine", "department": "cardiology"}
    sent = next(r["body"] for r in hospital.requests if r["path"] == "/api/v1/triage")
    assert sent == {"text": "我头疼；持续三天", "age": 72}


async def test_triage_emergency_offers_no_booking(hospital: FakeHospital, domain: dict) -> None:
    hospital.triage_answer = {"level": "emergency", "departments": ["emergency"], "red_flags": ["胸痛"], "advice": ""}
    dispatcher = CollectingDispatcher()
    await ActionTriage().run(dispatcher, make_tracker(text="胸口疼", events=SYMPTOM_EVENTS), domain)
    assert responses(dispatcher) == ["utter_triage_emergency"]


async def test_an_earlier_emergency_is_never_talked_down(hospital: FakeHospital, domain: dict) -> None:
    # the edge answered a red flag earlier (triage_level=emergency); a milder
    # description afterwards still gets the emergency answer and no booking offer
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"triage_level": "emergency", "age": "60"}, text="60", events=SYMPTOM_EVENTS)
    events = await ActionTriage().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_triage_emergency"]
    assert slot_events(events) == {"triage_level": "emergency"}


async def test_red_flag_without_backend_still_says_120(down: None, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionTriage().run(dispatcher, make_tracker(text="胸痛喘不上气", intent="report_symptom"), domain)
    assert responses(dispatcher) == ["utter_triage_emergency"]
    assert slot_events(events) == {"triage_level": "emergency"}


async def test_no_red_flag_without_backend_apologises(down: None, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionTriage().run(dispatcher, make_tracker(text="脚痒", intent="report_symptom"), domain)
    assert responses(dispatcher) == ["utter_triage_unavailable"]


async def test_red_flag_skips_remaining_questions(domain: dict) -> None:
    form = ValidateTriageForm()
    slots = domain["forms"]["triage_form"]["required_slots"]
    tracker = make_tracker(slots={"symptom": "胸痛"}, text="胸痛，喘不上气", intent="report_symptom")
    assert await form.required_slots(slots, CollectingDispatcher(), tracker, domain) == ["symptom"]


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("我头疼三天了", "三天了"),
        ("咳嗽有一个多月", "一个多月"),
        ("从昨天开始拉肚子", "从昨天开始"),
        ("腰疼已经两年", "两年"),
    ],
)
async def test_a_duration_said_with_the_symptom_is_not_asked_again(domain: dict, text: str, duration: str) -> None:
    tracker = make_tracker(text=text, intent="report_symptom", slots={"symptom": text})
    extracted = await ValidateTriageForm().extract_duration(CollectingDispatcher(), tracker, domain)
    assert extracted == {"duration": duration}


@pytest.mark.parametrize("text", ["宝宝8个月，发烧", "我头疼", "孩子3岁"])
async def test_no_duration_is_guessed_from_an_age_or_nothing(domain: dict, text: str) -> None:
    tracker = make_tracker(text=text, intent="report_symptom", slots={"symptom": text})
    assert await ValidateTriageForm().extract_duration(CollectingDispatcher(), tracker, domain) == {}


async def test_a_duration_already_known_or_being_asked_is_left_to_its_mapping(domain: dict) -> None:
    form, dispatcher = ValidateTriageForm(), CollectingDispatcher()
    known = make_tracker(text="又疼了两天了", slots={"duration": "一周"})
    asked = make_tracker(text="三天了", slots={"requested_slot": "duration"})
    assert await form.extract_duration(dispatcher, known, domain) == {}
    assert await form.extract_duration(dispatcher, asked, domain) == {}


def test_answers_given_along_the_way_are_assessed_with_the_complaint() -> None:
    """Blind conversation C16: "没发烧", "不咳嗽" said at the age question, then "30岁". Only
    "30岁；不咳嗽" used to reach the assessment ("我还不太清楚您哪里不舒服")."""

    def said(text: str, intent: str) -> dict[str, Any]:
        return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}

    events = [
        said("查报告", "query_result"),
        {"event": "action", "name": "action_reset_journey"},
        said("有点流鼻涕 打喷嚏 今天刚开始", "report_symptom"),
        {"event": "action", "name": "action_reset_journey"},
        {"event": "action", "name": "triage_form"},
        said("没发烧", "report_symptom"),
        said("不咳嗽", "report_symptom"),
    ]
    tracker = make_tracker(text="30岁", events=events)
    assert triage_text(tracker) == "有点流鼻涕 打喷嚏 今天刚开始；没发烧；不咳嗽；30岁"
