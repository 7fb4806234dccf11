"""Set 17's N42 (tuning material; our own wording, look-alikes and negatives): a Shanghainese
grandfather answered "对额" (对的) at "是哪一个预约？" with one listed, after asking to cancel, and
was asked to confirm again; his "谢谢侬" there must stay a thanks. A yes with a dialect tail
now agrees; a thanks, a filler, a greeting or a tail alone never does, so nothing is cancelled
without a yes the patient gave."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.appointment_words import agrees
from actions.appointments import ValidateCancelForm
from tests.actions.helpers import make_tracker

ONE = {"requested_slot": "appointment_id", "offered_choices": ["apt_9"]}
DIALECT_YESES = ["对额", "是额", "好额", "对额对额", "要得噻", "嗯呐", "中嘞", "对呗", "是滴", "好哒", "对额，就迭只"]
NOT_A_YES = ["谢谢侬", "谢谢", "謝謝儂", "多谢侬", "额", "呃……", "帮我", "好伐", "对额？", "不对额", "侬好", "你好"]


@pytest.mark.parametrize("text", DIALECT_YESES)
def test_a_yes_with_a_dialect_tail_agrees(text: str) -> None:
    assert agrees(text)


@pytest.mark.parametrize("text", NOT_A_YES)
def test_thanks_a_tail_or_a_question_alone_is_no_yes(text: str) -> None:
    assert not agrees(text)


@pytest.mark.parametrize("text", ["对额", "是额", "要得噻"])
async def test_a_dialect_yes_at_the_only_one_cancels_it(domain: dict, text: str) -> None:
    tracker = make_tracker(slots=ONE, text=text, intent="affirm")
    got = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got == {"appointment_id": "apt_9", "confirm_cancel": True}


@pytest.mark.parametrize("text", ["谢谢侬", "谢谢", "好伐"])
async def test_thanks_at_the_only_one_cancels_nothing(domain: dict, text: str) -> None:
    tracker = make_tracker(slots=ONE, text=text, intent="thank")
    got = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got.get("confirm_cancel") is not True


@pytest.mark.parametrize("text", ["谢谢侬", "谢谢", "多谢", "额", "帮我"])
async def test_thanks_at_the_confirmation_is_no_yes(domain: dict, text: str) -> None:
    slots = {"requested_slot": "confirm_cancel", "appointment_id": "apt_9"}
    tracker = make_tracker(slots=slots, text=text, intent="thank")
    assert await ValidateCancelForm().extract_confirm_cancel(CollectingDispatcher(), tracker, domain) == {}


@pytest.mark.parametrize("text", ["对额", "是额 取消脱", "好额"])
async def test_a_dialect_yes_at_the_confirmation_cancels(domain: dict, text: str) -> None:
    slots = {"requested_slot": "confirm_cancel", "appointment_id": "apt_9"}
    tracker = make_tracker(slots=slots, text=text, intent="affirm")
    assert await ValidateCancelForm().extract_confirm_cancel(CollectingDispatcher(), tracker, domain) == {
        "confirm_cancel": True
    }
