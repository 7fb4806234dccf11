"""A remark about one's health at the prescription question is kept for the doctor, not
read as a booking (set 4's F48 class; the wordings here are our own)."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.refill import ValidateRefillForm, remark_for_doctor
from actions.refill_words import named_prescriptions
from tests.actions.helpers import make_tracker

AT_PRESCRIPTION = {"requested_slot": "prescription_id", "offered_choices": ["rx_1", "rx_2"]}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("上周刚复查过血糖，大夫说控制得还行", "book_appointment"),
        ("前些天複查過肝功能，都正常", "report_symptom"),
        ("最近血压挺稳的，没什么不舒服", "inform"),
    ],
)
async def test_a_remark_at_the_prescription_question_goes_to_the_doctor(text: str, intent: str, domain: dict) -> None:
    tracker = make_tracker(slots=AT_PRESCRIPTION, text=text, intent=intent)
    got = await ValidateRefillForm().extract_prescription_id(CollectingDispatcher(), tracker, domain)
    assert got == {"refill_question": text}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("2", "inform"),  # a choice
        ("第二个", "inform"),
        ("不续了，帮我挂个内分泌科", "book_appointment"),  # a new errand in words
        ("算了", "report_symptom"),
        ("转人工", "request_human"),  # another journey's intent
        ('/inform{"prescription_id": "rx_1"}', "inform"),  # a button
    ],
)
def test_a_choice_or_a_new_errand_is_no_remark(text: str, intent: str) -> None:
    assert remark_for_doctor(make_tracker(slots=AT_PRESCRIPTION, text=text, intent=intent)) == {}


def test_a_second_remark_joins_the_first() -> None:
    """Set 17's N53: "他最近没胸痛 挺好的" at the list, after a remark was kept, was left to the
    NLU's new complaint and self-triage began; it now joins the first (said once only)."""
    slots = {**AT_PRESCRIPTION, "refill_question": "上周复查过，正常"}
    tracker = make_tracker(slots=slots, text="医生说可以接着吃", intent="inform")
    assert remark_for_doctor(tracker) == {"refill_question": "上周复查过，正常；医生说可以接着吃"}
    again = make_tracker(slots=slots, text="上周复查过，正常", intent="inform")
    assert remark_for_doctor(again) == {}
    phone = make_tracker(slots=AT_PRESCRIPTION, text="他本人在旁边 手机是[手机#138****8001#Ab12Cd34]")
    assert remark_for_doctor(phone) == {}  # the phone typed with words is no remark


def test_a_drug_said_by_its_short_name_finds_the_longer_one_on_file() -> None:
    on_file = [
        {"id": "rx_1", "diagnosis": "高血压", "items": [{"drug": "苯磺酸氨氯地平片"}]},
        {"id": "rx_2", "diagnosis": "2型糖尿病", "items": [{"drug": "盐酸二甲双胍缓释片"}]},
    ]
    named = named_prescriptions(on_file, None, ["帮我妈把二甲双胍续上，快吃没了"])
    assert [rx["id"] for rx in named.matches] == ["rx_2"]
    assert named_prescriptions(on_file, "氨氯地平", ["降压的那个"]).matches == [on_file[0]]
    assert named_prescriptions(on_file, None, ["续一下阿托伐他汀"]).matches == []
