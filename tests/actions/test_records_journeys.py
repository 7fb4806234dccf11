"""Results and refills finish for families and returning patients (issue 13, blind set 3):
the code finds the one patient of a phone who has records (E43, E45 ended at "which
patient?"); a refill reads the drug as the patient says it - traditional characters
(E47), "降压药" (E46), a drug not on file (E48) - asks "prescribed here before?" only
when nothing is on file, and a "确认" at "any question for the doctor?" is no question."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.refill import (
    ActionAskPrescriptionId,
    ActionAskRefillFollowup,
    ActionRequestRefill,
    ValidateRefillForm,
    no_question,
)
from actions.refill_words import named_prescriptions
from actions.results import ValidateResultsForm
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

PHONE = "13800138001"
FRESH = "fresh-visitor"
HYPERTENSION = {"id": "rx1", "diagnosis": "高血压", "issued_on": "2026-10-01", "items": [{"drug": "氨氯地平"}]}
DIABETES = {"id": "rx2", "diagnosis": "2型糖尿病", "issued_on": "2026-10-02", "items": [{"drug": "二甲双胍"}]}


def asked_refill(text: str) -> dict[str, Any]:
    """The patient's refill request as an earlier user event of the tracker."""
    parse = {"text": text, "intent": {"name": "request_refill", "confidence": 0.99}, "entities": []}
    return {"event": "user", "text": text, "parse_data": parse}


@pytest.mark.parametrize(
    ("said", "drug", "ids"),
    [
        ("我想續開二甲雙胍", None, ["rx2"]),  # E47, traditional characters
        ("我的降压药快吃完了，想续个方", "降压药", ["rx1"]),  # E46: what the drug is for
        ("血糖的药没了", None, ["rx2"]),
        ("氨氯地平再开一盒", "氨氯地平", ["rx1"]),
    ],
)
def test_the_drug_as_the_patient_says_it(said: str, drug: str | None, ids: list[str]) -> None:
    named = named_prescriptions([HYPERTENSION, DIABETES], drug, [said])
    assert [rx["id"] for rx in named.matches] == ids


def test_a_drug_not_on_file_is_named_and_an_old_one_is_no_particular_drug() -> None:
    insulin = named_prescriptions([DIABETES], None, ["俺的胰岛素快使完了，能不能在网上再开点"])  # E48
    assert insulin.said == "胰岛素" and insulin.matches == []
    assert named_prescriptions([DIABETES], None, ["老药再给我开点"]).said is None


async def test_traditional_drug_name_chooses_its_prescription(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李秀英", "13800138002")
    hospital.prescriptions[pid] = [HYPERTENSION, DIABETES]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid}, text="{PHONE}", events=[asked_refill("我想續開二甲雙胍")])
    events = slot_events(await ActionAskPrescriptionId().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_refill_only_one", "utter_ask_refill_question"]
    assert events["prescription_id"] == "rx2" and events["requested_slot"] == "refill_question"


async def test_a_drug_not_on_file_offers_what_is_and_a_yes_takes_it(hospital: FakeHospital, domain: dict) -> None:
    """E48: insulin asked, metformin on file: said so, offered as a button, never taken unasked."""
    pid = hospital.add_patient("李秀英", "13800138002")
    hospital.prescriptions[pid] = [DIABETES]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid}, events=[asked_refill("俺的胰岛素快使完了，能不能在网上再开点")])
    events = slot_events(await ActionAskPrescriptionId().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_refill_drug_not_found", "utter_ask_prescription_id"]
    assert dispatcher.messages[0]["drug"] == "胰岛素"
    listed = next(m for m in dispatcher.messages if m.get("buttons"))
    # set 17: what is on file, then a visit at the clinic that prescribes insulin, or a person
    assert [b["title"] for b in listed["buttons"]] == [
        "1 2型糖尿病 二甲双胍 2026-10-02",
        "2 预约内分泌科复诊",
        "3 找人工客服",
    ]
    assert "prescription_id" not in events and events["requested_slot"] == "prescription_id"
    for answer in ("行，就这么着", "是的", "确认"):
        slots = {"patient_id": pid, "requested_slot": "prescription_id", "offered_choices": ["rx2"]}
        taken = await ValidateRefillForm().extract_prescription_id(
            CollectingDispatcher(), make_tracker(slots=slots, text=answer), domain
        )
        assert taken == {"prescription_id": "rx2"}, answer
    slots = {"patient_id": pid, "requested_slot": "prescription_id", "offered_choices": ["rx2"]}
    no = make_tracker(slots=slots, text="我要的是胰岛素", intent="inform")
    # not taken; the form keeps the turn and asks again, saying insulin is not on file (set 17)
    assert await ValidateRefillForm().extract_prescription_id(CollectingDispatcher(), no, domain) == {
        "prescription_id": None
    }


async def test_prescribed_before_is_asked_only_when_nothing_is_on_file(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("张建国", PHONE)
    hospital.prescriptions[pid] = [HYPERTENSION]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid}, events=[asked_refill("我的降压药快吃完了，想续个方")])
    events = slot_events(await ActionAskRefillFollowup().run(dispatcher, tracker, domain))
    assert events["refill_followup"] is True and events["prescription_id"] == "rx1"
    assert responses(dispatcher) == ["utter_refill_only_one", "utter_ask_refill_question"]
    assert [b["payload"] for b in domain["responses"]["utter_ask_refill_question"][0]["buttons"]] == ["/deny"]
    newcomer = hospital.add_patient("王芳", "13900000001")
    dispatcher = CollectingDispatcher()
    first_visit = make_tracker(slots={"patient_id": newcomer})
    events = slot_events(await ActionAskRefillFollowup().run(dispatcher, first_visit, domain))
    assert responses(dispatcher) == ["utter_ask_refill_followup"] and events == {}


async def test_a_refill_already_with_the_doctor_is_said_so_not_nothing_to_renew(
    hospital: FakeHospital, domain: dict
) -> None:
    pid = hospital.add_patient("李秀英", "13800138002")
    waiting = {**DIABETES, "eligible": False, "reason": "这张处方已经有一个续方申请在处理中", "open_refill_id": "rfl1"}
    hospital.prescriptions[pid] = [waiting]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid}, events=[asked_refill("我想續開二甲雙胍")])
    events = slot_events(await ActionAskPrescriptionId().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_refill_already_open"]
    assert "二甲双胍" in dispatcher.messages[0]["prescription"] and events["prescription_id"] == "none"


@pytest.mark.parametrize("text", ["确认", "確認", "行，就这么着", "1", "没有", "好的谢谢", "13800138001", "/deny"])
def test_a_yes_a_number_or_the_phone_is_no_question_for_the_doctor(text: str) -> None:
    assert no_question(text)


@pytest.mark.parametrize("text", ["最近血压有点高，要不要加量", "吃了以后脚有点肿", "能不能开两盒"])
def test_a_real_question_goes_to_the_doctor(text: str) -> None:
    assert not no_question(text)


async def test_confirm_at_the_question_submits_without_a_question(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("张建国", PHONE)
    hospital.prescriptions[pid] = [HYPERTENSION]
    slots = {"patient_id": pid, "requested_slot": "refill_question"}
    answer = await ValidateRefillForm().validate_refill_question(
        "确认", CollectingDispatcher(), make_tracker(slots=slots, text="确认"), domain
    )
    assert answer == {"refill_question": ""}
    done = {"patient_id": pid, "refill_followup": True, "prescription_id": "rx1", **answer}
    await ActionRequestRefill().run(CollectingDispatcher(), make_tracker(slots=done), domain)
    assert hospital.refills == [{"patient_id": pid, "prescription_id": "rx1"}]


@pytest.mark.parametrize(("form", "purpose"), [(ValidateResultsForm, "results"), (ValidateRefillForm, "refill")])
async def test_the_code_takes_the_one_patient_of_the_phone_with_records(
    hospital: FakeHospital, domain: dict, form: Any, purpose: str
) -> None:
    """E43/E45: 张建国 and his grandson share the phone; only 张建国 has reports and
    prescriptions, so the code is for him, said with both names masked."""
    grandpa = hospital.add_patient("张建国", PHONE, user="someone-else")
    hospital.add_patient("王小明", PHONE, user="someone-else")
    hospital.results[grandpa] = [{"title": "血常规", "status": "final", "items": []}]
    hospital.prescriptions[grandpa] = [HYPERTENSION]
    hospital.otp_codes[PHONE] = "246810"
    dispatcher = CollectingDispatcher()
    coded = make_tracker(slots={"phone": PHONE, "requested_slot": "otp_code"}, text="246810", sender=FRESH)
    slots = await form().validate_otp_code("246810", dispatcher, coded, domain)
    assert slots["patient_id"] == grandpa and slots["otp_code"] == "verified"
    assert responses(dispatcher) == ["utter_identified_for"]
    assert dispatcher.messages[0]["names"] == "张*国、王*明" and dispatcher.messages[0]["chosen"] == "张*国"
    assert hospital.requests[-1]["body"]["purpose"] == purpose


@pytest.mark.parametrize("text", ["身份证号110105195803122014", "110105195803122014", "用身份证查不行吗"])
async def test_an_id_number_at_the_phone_question_is_told_the_code_still_goes_to_the_phone(
    hospital: FakeHospital, domain: dict, text: str
) -> None:
    """E45 typed her ID number to skip the SMS: no code is skipped and none is sent; the bot
    says why the phone is needed, not that the phone looks wrong."""
    hospital.add_patient("张建国", PHONE, user="someone-else")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"requested_slot": "phone"}, text=text, sender=FRESH)
    answer = await ValidateResultsForm().validate_phone(text, dispatcher, tracker, domain)
    assert answer == {"phone": None} and responses(dispatcher) == ["utter_identify_phone_not_id"]
    assert hospital.otp_codes == {}


@pytest.mark.parametrize("form", [ValidateResultsForm, ValidateRefillForm])
async def test_a_returning_chat_with_one_patient_is_not_asked_which(
    hospital: FakeHospital, domain: dict, form: Any
) -> None:
    """E46-E48 returning: the chat holds 李秀英 only; "俺的胰岛素快使完了" speaks of nobody else."""
    pid = hospital.add_patient("李秀英", "13800138002", user="u1")
    dispatcher = CollectingDispatcher()
    taken = await form().extract_patient_id(
        dispatcher, make_tracker(text="俺的胰岛素快使完了，能不能在网上再开点"), domain
    )
    assert taken == {"patient_id": pid} and responses(dispatcher) == ["utter_patient_is"]
    assert dispatcher.messages[0]["name"] == "李*英"


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("帮我老公查一下CT结果", {}),  # a relative: who is asked, the relative may need adding
        ("替我媽續開降壓藥", {}),
        ("我想續開二甲雙胍", {"requested_slot": "patient_id"}),  # answering the question: validation's
    ],
)
async def test_the_only_patient_is_not_taken_for_someone_else_or_mid_question(
    hospital: FakeHospital, domain: dict, text: str, slots: dict[str, Any]
) -> None:
    hospital.add_patient("李秀英", "13800138002", user="u1")
    tracker = make_tracker(slots=slots, text=text)
    assert await ValidateRefillForm().extract_patient_id(CollectingDispatcher(), tracker, domain) == {}


async def test_two_patients_on_the_chat_are_still_asked_which(hospital: FakeHospital, domain: dict) -> None:
    hospital.add_patient("张建国", PHONE, user="u1")
    hospital.add_patient("王小明", PHONE, user="u1")
    tracker = make_tracker(text="查报告")
    assert await ValidateResultsForm().extract_patient_id(CollectingDispatcher(), tracker, domain) == {}
