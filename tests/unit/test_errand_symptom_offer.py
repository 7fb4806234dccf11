"""An errand that also tells a complaint is offered triage after it
(services/conversation/errand_symptom_offer.py): which understood messages get the
offer, what the line says at each level, and the button that starts triage. Messages
are written here in patients' words; none is copied from an evaluation set."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from integrations.rasa.client import BotMessage, Button, Understanding
from services.clinical.triage import TriageEngine, TriageLevel
from services.clinical.triage.models import TriageInput, TriageResult
from services.conversation import errand_symptom_offer as offer
from services.conversation.symptom_routing import triage_trigger

ERRAND_REPLY = [BotMessage("好的，要取消的是哪一个预约？")]


def _offered(intent: str, text: str) -> bool:
    return offer.would_offer(Understanding(intent, 0.9), text, False)


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("cancel_appointment", "周四那个号帮我取消 娃烧了一晚上"),
        ("cancel_appointment", "号不要了，我妈腰疼得起不来床"),
        ("reschedule_appointment", "能不能往后挪两天 最近老是胃疼"),
        ("reschedule_appointment", "换到下礼拜吧，这几天咳得睡不着"),
        ("query_appointment", "我约的几点来着，膝盖又肿了"),
        ("query_result", "上周的报告出了没有？这几天一直没精神"),
        ("query_result", "尿常规的结果呢 小便还是有点疼"),
        ("request_refill", "二甲双胍快没了 这阵子老口渴"),
        ("request_refill", "阿司匹林再开一盒，最近胸口有点闷"),
        ("request_human", "帮我转个客服 宝宝拉肚子一整天了"),
        ("request_human", "我要找真人，我爸右腿使不上劲"),  # a complaint family the router has no word for
    ],
)
def test_an_errand_that_tells_a_complaint_is_offered_triage(intent: str, text: str) -> None:
    assert _offered(intent, text)


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        # errands with no complaint
        ("cancel_appointment", "下周一的号帮我退掉"),
        ("reschedule_appointment", "改到后天上午"),
        ("query_appointment", "我预约的是哪个医生"),
        ("query_result", "前天抽的血 结果出来没"),  # 抽 is a blood draw, not a fit
        ("query_result", "CT片子什么时候能拿"),
        ("request_refill", "止痛药吃完了 再给我开点"),  # a drug's name, not a pain told
        ("request_refill", "哮喘的吸入剂快用完了"),  # a long-term condition's medicine
        ("request_refill", "高血压的药帮我续上"),
        ("request_human", "转人工客服"),
        # the complaint is over
        ("cancel_appointment", "娃已经退烧了，号退了吧"),
        ("reschedule_appointment", "腰不疼了 往后改一改"),
        ("cancel_appointment", "头晕好多了 不用去了 帮我取消"),
        # not an errand: bookings are assessed at the edge, FAQ, form answers, small talk
        ("book_appointment", "孩子发烧了 想挂个儿科"),
        ("faq", "发热门诊晚上开吗"),
        ("inform", "头疼 两天了"),
        ("affirm", "对 就是肚子疼那个"),
        ("report_symptom", "改个时间 最近老头晕"),  # the triage journey has it already
    ],
)
def test_no_offer_without_a_complaint_or_outside_an_errand(intent: str, text: str) -> None:
    assert not _offered(intent, text)


def test_no_offer_on_a_fallback_a_payload_or_without_an_understanding() -> None:
    said = "取消明天的号 孩子一直发烧"
    assert not offer.would_offer(Understanding("cancel_appointment", 0.4), said, True)  # symptom_routing's
    assert not offer.would_offer(None, said, False)
    assert not offer.would_offer(Understanding("cancel_appointment", 0.9), "/cancel_appointment", False)


@dataclass
class _Assessed:
    """A triage engine that answers one level (the line's wording is tested, not the engine)."""

    level: TriageLevel
    fails: bool = False

    def assess(self, data: TriageInput) -> TriageResult:
        if self.fails:
            raise RuntimeError("learned layer not loaded")
        return TriageResult(level=self.level, departments=["pediatrics"], red_flags=[], advice="")


def _with_offer(level: TriageLevel, text: str, intent: str = "cancel_appointment", **kw: bool) -> list[BotMessage]:
    engine: TriageEngine = _Assessed(level, kw.pop("fails", False))  # type: ignore[assignment]
    said = Understanding(intent, 0.9)
    return offer.with_offer(engine, "web", text, said, ERRAND_REPLY, False, kw.get("emergency", False))


def test_the_offer_follows_the_errand_and_its_button_starts_triage_with_the_message() -> None:
    text = "把周五的号退了，孩子发烧去不了"
    replies = _with_offer(TriageLevel.ROUTINE, text)
    assert replies[:-1] == ERRAND_REPLY  # the errand's answer is untouched, first
    line = replies[-1]
    assert line.text == "您提到“孩子发烧去不了”，办完这件事后，要不要帮您看看该怎么处理、挂哪个科？"
    [button] = line.buttons
    assert button.payload == triage_trigger(text)
    assert json.loads(button.payload.removeprefix("/report_symptom")) == {"symptom": text}
    assert offer.is_offer_tap(button.payload)


def test_urgent_says_today_and_an_emergency_is_never_put_off() -> None:
    urgent = _with_offer(TriageLevel.URGENT, "改个时间，这两天头晕得厉害", "reschedule_appointment")[-1].text
    assert "今天就来医院" in urgent and "办完这件事后" in urgent
    emergency = _with_offer(TriageLevel.EMERGENCY, "改个时间，这两天头晕得厉害", "reschedule_appointment")[-1].text
    assert "120" in emergency and "急诊" in emergency and "办完这件事后" not in emergency
    routine = _with_offer(TriageLevel.SELF_CARE, "改个时间，这两天头晕得厉害", "reschedule_appointment")[-1].text
    assert "今天" not in routine and "120" not in routine


def test_a_person_asked_for_is_told_the_tap_leaves_the_queue() -> None:
    line = _with_offer(TriageLevel.ROUTINE, "找个人工，孩子一直吐", "request_human")[-1]
    assert line.text.startswith("您提到“孩子一直吐”") and "退出人工排队" in line.text


def test_a_failed_assessment_still_offers_and_an_emergency_conversation_gets_nothing() -> None:
    text = "降压药快吃完了，最近老头疼"
    failed = _with_offer(TriageLevel.ROUTINE, text, "request_refill", fails=True)
    assert len(failed) == 2 and "今天" not in failed[-1].text
    assert _with_offer(TriageLevel.URGENT, text, "request_refill", emergency=True) == ERRAND_REPLY


def test_no_second_offer_when_the_bot_offered_triage_itself() -> None:
    asked = [BotMessage("要不要先自诊？", (Button("自诊", "/report_symptom"),))]
    engine: TriageEngine = _Assessed(TriageLevel.ROUTINE)  # type: ignore[assignment]
    errand = Understanding("cancel_appointment", 0.9)
    assert offer.with_offer(engine, "web", "取消预约 嗓子疼", errand, asked, False, False) == asked


def test_phone_and_id_numbers_stay_out_of_the_button_and_a_long_complaint_is_not_quoted() -> None:
    text = "手机号13912345678的那个号退了，我一直咳嗽"
    [button] = _with_offer(TriageLevel.ROUTINE, text)[-1].buttons
    assert "13912345678" not in button.payload and "咳嗽" in button.payload
    long = "取消预约，" + "我这几天从早到晚一直头疼得厉害吃了药也不见好还有点恶心想吐" * 2
    assert "您提到“身体不舒服”" in _with_offer(TriageLevel.ROUTINE, long)[-1].text


def test_the_tap_is_a_triage_payload_with_its_symptom_only() -> None:
    assert offer.is_offer_tap('/report_symptom{"symptom": "头疼"}')
    assert not offer.is_offer_tap("/report_symptom")  # the menu's own button
    assert not offer.is_offer_tap("我头疼")


def test_text_channels_name_the_word_to_reply_not_a_numbered_choice() -> None:
    """On WeChat, Alipay and SMS a button is "回复1 …", and the bot would read that 1 as the
    errand's first choice: the line names 自诊 instead."""
    engine: TriageEngine = _Assessed(TriageLevel.URGENT)  # type: ignore[assignment]
    said = Understanding("cancel_appointment", 0.9)
    [*_, line] = offer.with_offer(engine, "wechat", "取消明天的号 孩子发烧", said, ERRAND_REPLY, False, False)
    assert not line.buttons and "回复“自诊”" in line.text and "今天就来医院" in line.text
    person = Understanding("request_human", 0.9)
    [*_, waiting] = offer.with_offer(engine, "sms", "转人工 孩子一直吐", person, ERRAND_REPLY, False, False)
    assert not waiting.buttons and "回复“自诊”" in waiting.text and "退出人工排队" in waiting.text
