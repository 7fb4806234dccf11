"""Set 11's second round at the chat edge (tuning material; wordings our own): "对 就是这个
取消" at the cancellation's choice reaches the bot as "确认取消", and "麻烦" (trouble, please)
is no numbness, so a cancellation said with it is an errand the learned layer alone does not
turn into a call to 120. Red flags said with 麻烦 still alert."""

from __future__ import annotations

import pytest

from services.clinical.triage.edge import emergency_hits
from services.clinical.triage.engine import default_engine
from services.clinical.triage.routing import looks_like_symptom, reads_as_errand
from services.conversation.that_one_cancelled import FOR_THE_BOT, cancels_the_one, for_the_bot


@pytest.mark.parametrize("text", ["对 就是这个 取消", "是那个 退了吧", "確定 取消掉", "就这个，帮我取消，谢谢"])
def test_that_one_and_a_cancel_word_at_the_choice_is_handed_on_as_confirmed(text: str) -> None:
    assert cancels_the_one(text)
    assert for_the_bot(text, "cancel_form", "appointment_id") == FOR_THE_BOT


@pytest.mark.parametrize("text", ["不取消了", "对", "取消", "对 后天那个 取消", "算了 别取消", "取消了能退钱吗"])
def test_anything_else_is_kept_as_typed(text: str) -> None:
    assert for_the_bot(text, "cancel_form", "appointment_id") == text


def test_only_at_the_cancellations_choice() -> None:
    text = "对 就是这个 取消"
    assert for_the_bot(text, "cancel_form", "confirm_cancel") == text
    assert for_the_bot(text, "reschedule_form", "appointment_id") == text
    assert for_the_bot(text, None, None) == text


def test_a_cancellation_said_with_mafan_is_an_errand_not_an_emergency() -> None:
    text = "唉 算了 折腾来折腾去太麻烦 直接给我退了吧 以后再约"
    assert reads_as_errand(text)
    assert emergency_hits(default_engine(), text) == []


@pytest.mark.parametrize(
    "text",
    ["麻烦你们快点 我爸突然一边手脚麻了 话也说不清", "麻烦问一下 我胸口压着痛 出冷汗 喘不上气"],
)
def test_red_flags_said_with_mafan_still_alert(text: str) -> None:
    assert emergency_hits(default_engine(), text)


def test_numbness_said_with_mafan_is_still_a_complaint() -> None:
    assert looks_like_symptom("麻烦看一下 我脚趾头老发麻")


@pytest.mark.parametrize("text", ["阿拉囡囡礼拜三验个血 报告好了伐", "个化验单好未", "检查报告好冇"])
def test_a_report_asked_after_in_wu_or_cantonese_is_the_results_errand(text: str) -> None:
    from services.conversation.records_errands import QUERY_RESULT, records_trigger

    assert records_trigger(text) == QUERY_RESULT
