"""An asthma inhaler asked for is no blood-pressure drug (conversation set 8's J28, issue 13):
"哮喘噴霧用完咗 想喺網上續方" found only an amlodipine prescription on file, and the bot offered it
as "可以续开的处方是：高血压 苯磺酸氨氯地平片" - the only one, since the inhaler was not read as
a drug. Inhalers said by what they treat or by their form (喷雾, 吸入剂, 气雾剂) now point at
asthma or COPD prescriptions; when none is on file the patient is told so and chooses."""

from __future__ import annotations

from typing import Any

import pytest

from actions.refill_words import named_prescriptions

HYPERTENSION = {"id": "rx1", "diagnosis": "高血压", "issued_on": "2026-10-01", "items": [{"drug": "氨氯地平"}]}
ASTHMA = {"id": "rx3", "diagnosis": "支气管哮喘", "issued_on": "2026-10-03", "items": [{"drug": "布地奈德福莫特罗"}]}
COPD = {"id": "rx4", "diagnosis": "慢性阻塞性肺疾病", "issued_on": "2026-10-04", "items": [{"drug": "噻托溴铵"}]}


@pytest.mark.parametrize(
    "said", ["哮喘噴霧用完咗 想喺網上續方 唔想去排隊", "哮喘的药快没了", "我那个喷雾用完了 再开一个", "吸入剂没了"]
)
def test_an_inhaler_is_not_the_blood_pressure_drug(said: str) -> None:
    named = named_prescriptions([HYPERTENSION], None, [said])
    assert named.said and named.matches == []  # said, not on file: the patient chooses


@pytest.mark.parametrize(
    ("said", "ids"),
    [
        ("哮喘噴霧用完咗", ["rx3"]),
        ("哮喘的药快没了", ["rx3"]),
        ("喷雾用完了", ["rx3", "rx4"]),
        ("气雾剂再开点", ["rx3", "rx4"]),
    ],
)
def test_an_inhaler_finds_the_asthma_or_copd_prescription(said: str, ids: list[str]) -> None:
    named = named_prescriptions([HYPERTENSION, ASTHMA, COPD], None, [said])
    assert [rx["id"] for rx in named.matches] == ids


async def test_a_remark_kept_before_the_phone_is_not_asked_for_again(hospital: Any, domain: dict) -> None:
    """J28: "最近冇發作 唔喘" was kept at the phone question; once the inhaler is found the request
    goes in (the form runs on) instead of "有没有想问医生的？" a second time."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.refill import REMARK_GOES_WITH, ActionAskPrescriptionId
    from tests.actions.helpers import make_tracker

    pid = hospital.add_patient("张建国", "13800138001")
    hospital.prescriptions[pid] = [HYPERTENSION, ASTHMA]
    parse = {"intent": {"name": "request_refill"}}
    asked = {"event": "user", "text": "哮喘噴霧用完咗 想喺網上續方", "parse_data": parse}
    slots = {"patient_id": pid, "refill_question": "最近冇發作 唔喘"}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots=slots, text="[验证码#Kk22Ll33]", events=[asked])
    events = await ActionAskPrescriptionId().run(dispatcher, tracker, domain)
    assert {"event": "followup", "name": "refill_form", "timestamp": None} in events
    assert {"event": "slot", "name": "prescription_id", "value": "rx3", "timestamp": None} in events
    assert dispatcher.messages[-1]["text"] == REMARK_GOES_WITH


async def test_without_a_remark_the_question_for_the_doctor_is_asked(hospital: Any, domain: dict) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    from actions.refill import ActionAskPrescriptionId
    from tests.actions.helpers import make_tracker, responses

    pid = hospital.add_patient("张建国", "13800138001")
    hospital.prescriptions[pid] = [HYPERTENSION, ASTHMA]
    asked = {"event": "user", "text": "哮喘的药快没了", "parse_data": {"intent": {"name": "request_refill"}}}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid}, text="[验证码#Kk22Ll33]", events=[asked])
    await ActionAskPrescriptionId().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_refill_only_one", "utter_ask_refill_question"]


@pytest.mark.parametrize("said", ["他有慢阻肺 一直用那个吸的 紫色的那个", "我妈肺气肿 吸入的那个药快没了"])
def test_copd_or_an_inhaler_said_in_words_is_not_the_last_prescription(said: str) -> None:
    """Set 10's L42: "帮我爸开上次的药" then "他有慢阻肺 一直用那个吸的" read only as "the last
    drug", and the one prescription on file (amlodipine) would have been renewed for it."""
    named = named_prescriptions([HYPERTENSION], None, ["帮我爸开上次的药", said])
    assert named.said and named.matches == []
    found = named_prescriptions([HYPERTENSION, COPD], None, ["帮我爸开上次的药", said])
    assert [rx["id"] for rx in found.matches] == ["rx4"]


async def test_the_drug_said_before_a_later_refill_like_message_is_kept(hospital: Any, domain: dict) -> None:
    """Set 10's L42: "这次没什么不舒服 不喘 就是药快没了" was read as a refill request too, and the
    words were read back only to it: the inhaler said before was lost and both prescriptions
    offered. The words are read back to the first ask of this refill."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.refill import ActionAskPrescriptionId
    from tests.actions.helpers import make_tracker

    def user(text: str, intent: str) -> dict[str, Any]:
        return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}

    pid = hospital.add_patient("张建国", "13800138001")
    hospital.prescriptions[pid] = [HYPERTENSION, ASTHMA]
    events = [
        user("帮我妈开上回的药", "request_refill"),
        {"event": "active_loop", "name": "refill_form"},
        user("她有慢阻肺 平时用那个吸的", "inform"),
        user("最近还好 不喘 就是药快用完了", "request_refill"),
        user("13800138001", "inform"),
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid}, text="[验证码#Kk22Ll33]", events=events)
    found = await ActionAskPrescriptionId().run(dispatcher, tracker, domain)
    assert {"event": "slot", "name": "prescription_id", "value": "rx3", "timestamp": None} in found


METFORMIN = {"id": "rx2", "diagnosis": "2型糖尿病", "issued_on": "2026-10-02", "items": [{"drug": "盐酸二甲双胍片"}]}


@pytest.mark.parametrize("said", ["我的二甲双瓜没有了 还想开", "二甲双规快吃完了"])
def test_the_drug_on_file_typed_one_character_wrong_is_that_one(said: str) -> None:
    """Set 10's L02: "二甲双瓜" for 二甲双胍, by a 70-year-old."""
    named = named_prescriptions([HYPERTENSION, METFORMIN], None, [said])
    assert [rx["id"] for rx in named.matches] == ["rx2"]


def test_another_drug_named_is_not_read_as_a_typo_of_the_one_on_file() -> None:
    named = named_prescriptions([METFORMIN], None, ["我要开阿卡波糖"])
    assert named.matches == []


async def test_a_refill_the_chat_edge_started_reads_the_message_it_was_started_for(hospital: Any, domain: dict) -> None:
    """The edge sends "/request_refill" for a message the bot fell back on: its words count."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.refill import ActionAskPrescriptionId
    from tests.actions.helpers import make_tracker

    pid = hospital.add_patient("李秀英", "13800138002")
    hospital.prescriptions[pid] = [HYPERTENSION, METFORMIN]
    events = [
        {"event": "user", "text": "我的二甲双瓜没有了 还想开", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "user", "text": "/request_refill", "parse_data": {"intent": {"name": "request_refill"}}},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid}, text="[验证码#Kk22Ll33]", events=events)
    found = await ActionAskPrescriptionId().run(dispatcher, tracker, domain)
    assert {"event": "slot", "name": "prescription_id", "value": "rx2", "timestamp": None} in found
