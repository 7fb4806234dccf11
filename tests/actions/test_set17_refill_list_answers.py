"""At "要续开哪一张处方？" the patient points at one by drug, illness, purpose, clinic, month or
place (conversation set 17's N38 "有两个？我要降血脂那个 阿托伐他汀" started self-triage; N53
"就是上个月心内科开的那张" heard the main menu; tuning material, no NLU change). Wordings here are
our own, with traditional characters, dialect and negatives: remarks about one's health at the
list choose nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from actions.refill_choice import read_list_answer

TODAY = date(2026, 12, 8)
INHALER = {
    "id": "rxA",
    "diagnosis": "支气管哮喘",
    "department": "呼吸内科",
    "issued_on": "2026-11-08",
    "items": [{"drug": "布地奈德福莫特罗吸入粉雾剂"}],
}
STATIN = {
    "id": "rxL",
    "diagnosis": "高脂血症",
    "department": "心血管内科",
    "issued_on": "2026-11-08",
    "items": [{"drug": "阿托伐他汀钙片"}],
}
AMLODIPINE = {
    "id": "rxH",
    "diagnosis": "高血压",
    "department": "心血管内科",
    "issued_on": "2026-10-29",
    "items": [{"drug": "苯磺酸氨氯地平片"}],
}
METFORMIN = {
    "id": "rxD",
    "diagnosis": "2型糖尿病",
    "department": "内分泌科",
    "issued_on": "2026-10-14",
    "items": [{"drug": "盐酸二甲双胍片"}],
}
THREE = [INHALER, STATIN, AMLODIPINE]


def chosen(text: str, offered: list[dict[str, Any]] = THREE) -> str | None:
    rx = read_list_answer(text, offered, TODAY).chosen
    return str(rx["id"]) if rx else None


@pytest.mark.parametrize(
    ("text", "rx"),
    [
        ("还有别的？我要降血脂的那张 立普妥那个", "rxL"),  # purpose; 立普妥 is no name on file
        ("降脂的", "rxL"),
        ("是他汀那个", "rxL"),
        ("阿托伐他汀", "rxL"),
        ("阿託伐他汀鈣片", "rxL"),  # traditional
        ("降壓藥那個", "rxH"),  # traditional purpose
        ("要高血压那张", "rxH"),
        ("氨氯地平", "rxH"),
        ("哮喘那个 吸的", "rxA"),
        ("呼吸科开的那个", "rxA"),
        ("上个月心内科开的那张", "rxL"),  # clinic and month agree on one
        ("就系上个月心内科开嘅嗰张 10月尾那张唔要", "rxL"),  # Cantonese-flavoured, still the clinic and month
        ("10月29号开的那张", "rxH"),
        ("十月份开的", "rxH"),
        ("最新开的那张降脂的", "rxL"),
        ("第二个", "rxL"),
        ("我要第三张", "rxH"),
        ("最后那个", "rxH"),
        ("不是降压那个 是降脂那个", "rxL"),
        ("不要哮喘的，要心内科开的那个降压药", "rxH"),
        ("高脂血症那张", "rxL"),
    ],
)
def test_words_at_the_list_choose_one(text: str, rx: str) -> None:
    assert chosen(text) == rx


@pytest.mark.parametrize(
    "text",
    [
        "上个月抽血甲功正常",  # a remark with a month: no pointing word
        "血压最近挺稳的 没什么不舒服",  # a remark with an illness
        "血脂的指标上回查正常了",
        "他最近没胸痛 挺好的",
        "我第一次在网上开药",  # "第一次" is no place in the list
        "医生审核要多久",
        "对 就是这个",  # several offered: "this one" points at none of them
        "[手机#138****8001#Ab12Cd34]",  # the phone typed again
    ],
)
def test_remarks_and_questions_at_the_list_choose_nothing(text: str) -> None:
    assert chosen(text) is None


def test_several_fits_choose_none_and_a_drug_not_listed_points_at_none() -> None:
    both_cardiology = read_list_answer("心内科开的那个", THREE, TODAY)
    assert both_cardiology.pointed and both_cardiology.chosen is None
    assert {rx["id"] for rx in both_cardiology.fits} == {"rxL", "rxH"}
    aspirin = read_list_answer("我要的是阿司匹林", THREE, TODAY)
    assert aspirin.pointed and aspirin.fits == []


def test_a_diabetes_prescription_is_chosen_by_purpose_in_dialect() -> None:
    assert chosen("俺要那个降糖嘞", [AMLODIPINE, METFORMIN]) == "rxD"
    assert chosen("二甲双瓜那个", [AMLODIPINE, METFORMIN]) == "rxD"  # one character wrong


# --- the form at the list (fake hospital) ---------------------------------------------


def asked(text: str) -> dict[str, Any]:
    parse = {"text": text, "intent": {"name": "request_refill", "confidence": 0.99}, "entities": []}
    return {"event": "user", "text": text, "parse_data": parse}


def at_the_list(pid: str, offered: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {
        "patient_id": pid,
        "requested_slot": "prescription_id",
        "offered_choices": [rx["id"] for rx in offered],
        **more,
    }


async def test_a_purpose_read_as_a_complaint_still_chooses(hospital: Any, domain: dict) -> None:
    """N38's class: the NLU read a new complaint; the statin is chosen and said back."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.refill import ValidateRefillForm
    from tests.actions.helpers import make_tracker

    pid = hospital.add_patient("张建国", "13800138001")
    hospital.prescriptions[pid] = [STATIN, AMLODIPINE]
    text = "还有两张？俺要降血脂嘞那个 立普妥"
    tracker = make_tracker(
        slots=at_the_list(pid, [STATIN, AMLODIPINE]), text=text, intent="report_symptom", events=[asked("续方")]
    )
    dispatcher = CollectingDispatcher()
    found = await ValidateRefillForm().extract_prescription_id(dispatcher, tracker, domain)
    assert found == {"prescription_id": "rxL"}
    assert dispatcher.messages[0]["text"] == "好的，续开这张：高脂血症 阿托伐他汀钙片 2026-11-08。"


async def test_a_clinic_and_month_choose_and_the_drug_asked_for_is_said_missing(hospital: Any, domain: dict) -> None:
    """N53's class: aspirin asked for, not on file; "上个月心内科开的那张" (traditional here) takes the
    statin, and the patient hears that aspirin is not on it and where to get it."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.refill import ValidateRefillForm
    from tests.actions.helpers import make_tracker

    pid = hospital.add_patient("张建国", "13800138001")
    hospital.prescriptions[pid] = THREE
    first = asked("我爸的阿司匹林同埋消心痛食晒 可唔可以网上再开")
    tracker = make_tracker(slots=at_the_list(pid, THREE), text="就係上個月心內科開嘅嗰張", events=[first])
    dispatcher = CollectingDispatcher()
    found = await ValidateRefillForm().extract_prescription_id(dispatcher, tracker, domain)
    assert found == {"prescription_id": "rxL"}
    said = [m["text"] for m in dispatcher.messages]
    assert "没有阿司匹林" in said[1] and "心血管内科" in said[1]


async def test_a_drug_not_on_file_offers_the_clinic_and_a_person(hospital: Any, domain: dict) -> None:
    """N08 and N31's class: levothyroxine (traditional) or febuxostat (Hunan dialect) asked,
    none on file: the list, then a visit at the clinic that prescribes it, then a person."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.refill import ActionAskPrescriptionId
    from tests.actions.helpers import make_tracker

    pid = hospital.add_patient("张建国", "13800138001")
    hospital.prescriptions[pid] = THREE
    for first, clinic, code in (
        ("想續開左甲狀腺素 吃了好幾年了", "内分泌科", "endocrinology"),
        ("我痛风的药冇得哒 想再开点非布司他", "风湿免疫科", "rheumatology"),
    ):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(slots={"patient_id": pid}, text="[验证码#Kk22Ll33]", events=[asked(first)])
        await ActionAskPrescriptionId().run(dispatcher, tracker, domain)
        listed = next(m for m in dispatcher.messages if m.get("buttons"))
        titles = [b["title"] for b in listed["buttons"]]
        assert titles[3:] == [f"4 预约{clinic}复诊", "5 找人工客服"], first
        assert code in listed["buttons"][3]["payload"] and listed["buttons"][4]["payload"] == "/request_human"
        assert any(clinic in str(m.get("text")) for m in dispatcher.messages), first


async def test_a_yes_to_several_keeps_the_list_and_the_second_notice_is_short(hospital: Any, domain: dict) -> None:
    """ "對 就是這個" / "是咯" at three prescriptions, after "没有查到…": no choice, no main menu; the list
    is asked again saying only what is missing."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.refill import ActionAskPrescriptionId, ValidateRefillForm
    from tests.actions.helpers import make_tracker

    pid = hospital.add_patient("张建国", "13800138001")
    hospital.prescriptions[pid] = THREE
    notice = {"event": "bot", "text": "没有查到“优甲乐”在本院开过的处方。下面是可以在网上续开的处方，是要续开这个吗？"}
    events = [asked("我想續開優甲樂 甲減吃了兩年了"), notice]
    for text, intent in (("對 就是這個", "affirm"), ("是咯", "inform"), ("还是上回那个医生开的", "request_refill")):
        slots = at_the_list(pid, THREE, refill_followup=True)
        tracker = make_tracker(slots=slots, text=text, intent=intent, events=events, active_loop="refill_form")
        dispatcher = CollectingDispatcher()
        found = await ValidateRefillForm().extract_prescription_id(dispatcher, tracker, domain)
        assert found == {"prescription_id": None}, text  # the list kept (a required slot set)
        run = await ValidateRefillForm().run(CollectingDispatcher(), tracker, domain)
        assert {"event": "slot", "timestamp": None, "name": "prescription_id", "value": None} in run, text
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid}, text="對 就是這個", intent="affirm", events=events)
    await ActionAskPrescriptionId().run(dispatcher, tracker, domain)
    assert [m.get("text", "")[:16] for m in dispatcher.messages] == ["可以续开的处方里没有“优甲乐”。"]


async def test_a_question_or_a_remark_at_the_list_chooses_nothing(hospital: Any, domain: dict) -> None:
    """Negatives: a FAQ naming a purpose goes to its answer; a remark with a month is kept for
    the doctor; "不是这个" alone is left to the rule that stops the refill."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.refill import REMARK_KEPT, ValidateRefillForm
    from tests.actions.helpers import make_tracker

    pid = hospital.add_patient("张建国", "13800138001")
    hospital.prescriptions[pid] = THREE
    form = ValidateRefillForm()
    faq = make_tracker(slots=at_the_list(pid, THREE), text="降压药要饭前吃还是饭后吃", intent="faq")
    assert await form.extract_prescription_id(CollectingDispatcher(), faq, domain) == {}
    remark = make_tracker(slots=at_the_list(pid, THREE), text="上個月抽血甲功正常", intent="inform")
    dispatcher = CollectingDispatcher()
    assert await form.extract_prescription_id(dispatcher, remark, domain) == {"refill_question": "上個月抽血甲功正常"}
    assert dispatcher.messages[0]["text"] == REMARK_KEPT
    no = make_tracker(slots=at_the_list(pid, THREE), text="不是这个", intent="deny")
    assert await form.extract_prescription_id(CollectingDispatcher(), no, domain) == {}


async def test_a_typed_number_of_the_visit_button_says_how_to_take_it(hospital: Any, domain: dict) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    from actions.refill import ValidateRefillForm
    from tests.actions.helpers import make_tracker

    pid = hospital.add_patient("张建国", "13800138001")
    hospital.prescriptions[pid] = THREE
    tracker = make_tracker(slots=at_the_list(pid, THREE), text="4", events=[asked("非布司他没了")])
    dispatcher = CollectingDispatcher()
    assert await ValidateRefillForm().validate_prescription_id("4", dispatcher, tracker, domain) == {
        "prescription_id": None
    }
    assert "预约风湿免疫科复诊" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("first", "yes"), [("我想續開優甲樂 甲減吃了兩年了", "對 就是這個"), ("痛风的药冇得哒 想开非布司他", "是咯")]
)
async def test_a_yes_never_takes_another_illness_drug(hospital: Any, domain: dict, first: str, yes: str) -> None:
    """Set 17's N08 and N31 played fresh: only amlodipine on file, levothyroxine or febuxostat
    asked; "對 就是這個" renewed the blood-pressure drug. A yes takes the only one offered only
    when it is followed up by the same clinic (insulin asked, metformin on file: it still does)."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.refill import ValidateRefillForm
    from tests.actions.helpers import make_tracker

    pid = hospital.add_patient("张建国", "13800138001")
    hospital.prescriptions[pid] = [AMLODIPINE]
    tracker = make_tracker(slots=at_the_list(pid, [AMLODIPINE]), text=yes, intent="affirm", events=[asked(first)])
    dispatcher = CollectingDispatcher()
    assert await ValidateRefillForm().extract_prescription_id(dispatcher, tracker, domain) == {"prescription_id": None}
    assert dispatcher.messages[0]["text"].startswith("这张是高血压 苯磺酸氨氯地平片")
    hospital.prescriptions[pid] = [METFORMIN]
    same = make_tracker(slots=at_the_list(pid, [METFORMIN]), text="是的", intent="affirm", events=[asked("胰岛素没了")])
    assert await ValidateRefillForm().extract_prescription_id(CollectingDispatcher(), same, domain) == {
        "prescription_id": "rxD"
    }
