"""The privacy commands and the consent check read words deterministically (data/consent.yml):
close variants and traditional characters are understood, questions about the words are not
commands, and a sensitive message is told from an FAQ without the NLU."""

from __future__ import annotations

import pytest
import yaml

from config import ROOT
from services.conversation import consent

DELETE = consent.wording()["my_data"]["delete_words"]
VIEW = consent.wording()["my_data"]["view_words"]


@pytest.mark.parametrize(
    "text", ["删除我的数据", " 删除我的数据。", "请帮我删除我的数据", "刪除我的數據", "刪除我的資料", "删掉我的数据吧"]
)
def test_delete_commands_and_their_variants(text: str) -> None:
    assert consent.is_command(text, DELETE)


@pytest.mark.parametrize("text", ["查看我的数据", "查看我的數據", "我的数据", "看看我的数据！"])
def test_view_commands_and_their_variants(text: str) -> None:
    assert consent.is_command(text, VIEW)


@pytest.mark.parametrize("text", ["我的数据删除后还能恢复吗？", "医院会不会把我的数据卖给别人", "查看数据"])
def test_a_question_about_the_data_is_no_command(text: str) -> None:
    assert not consent.is_command(text, DELETE) and not consent.is_command(text, VIEW)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("同意", "granted"),
        ("我同意！", "granted"),
        ("不同意", "declined"),
        ("拒絕", "declined"),
        ("撤回同意", "withdrawn"),
    ],
)
def test_consent_answers(text: str, answer: str) -> None:
    assert consent.answer_word(text) == answer


@pytest.mark.parametrize("text", ["同意挂号吗", "好的", "不"])
def test_other_words_are_no_consent_answer(text: str) -> None:
    assert consent.answer_word(text) is None


@pytest.mark.parametrize(
    "text",
    ["孩子发烧39度", "我的手机13912345678", "身份证号11010519491231002X", "掛號", "/request_refill", "想查一下化验单"],
)
def test_sensitive_messages(text: str) -> None:
    assert consent.is_sensitive(text)


@pytest.mark.parametrize(
    "text", ["我要建档 挂妇科", "挂个皮肤科", "掛眼科", "约个骨科的号", "怀孕12周了", "想约个產檢"]
)
def test_a_booking_named_by_its_clinic_or_a_pregnancy_is_sensitive(text: str) -> None:
    """Set 14's X14: "我要建档 挂妇科" reached the day question with no consent; it was first
    asked at "返回" (the clinic question asks about symptoms), mid-booking."""
    assert consent.is_sensitive(text)


@pytest.mark.parametrize(
    "text", ["医院几点开门", "停车场在哪里", "你好", "发票怎么开", "挂水要多久", "我约的骨科在几楼"]
)
def test_faq_messages_are_not_sensitive(text: str) -> None:
    assert not consent.is_sensitive(text)


def test_the_bots_questions_for_sensitive_data() -> None:
    assert consent.asks_sensitive("请输入就诊人的身份证号（18位）：")
    assert consent.asks_sensitive("您哪里不舒服？用几个字说说就行")
    assert not consent.asks_sensitive("看病请带上身份证和医保卡。")


SENSITIVE_ASKS = (
    "utter_ask_symptom",
    "utter_ask_duration",
    "utter_ask_age",
    "utter_ask_patient_name",
    "utter_ask_id_number",
    "utter_ask_phone",
    "utter_ask_otp_code",
    "utter_ask_bind_code",
    "utter_ask_results_form_phone",
    "utter_ask_refill_form_phone",
    "utter_ask_appointments_form_phone",
)


def test_every_question_of_the_bot_for_health_or_identity_data_is_recognised() -> None:
    """Tied to bot/domain.yml: rewording one of these questions must keep it recognised,
    or the bot would ask it before the patient agreed."""
    responses = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))["responses"]
    for key in SENSITIVE_ASKS:
        for variant in responses[key]:
            assert consent.asks_sensitive(variant["text"]), key
    faqs = [v["text"] for key, variants in responses.items() if key.startswith("utter_faq") for v in variants]
    assert faqs and not any(consent.asks_sensitive(text) for text in faqs)
