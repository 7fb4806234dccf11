"""Pure parts of the channel edge: numbered choices, SMS splitting, keywords,
number routing, Alipay's sign content and form decoding."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from integrations.channels.alipay import decode_form, sign_content
from integrations.channels.base import MalformedRequest, StaleRequest, check_fresh, render_plain, render_text
from integrations.channels.sms import keyword, split_text
from integrations.messaging import DeliveryFailed
from integrations.rasa.client import BotMessage, Button
from integrations.sms.base import is_mainland, normalise_number


def test_buttons_become_numbered_choices_keeping_an_existing_number_once() -> None:
    message = BotMessage("您想办什么？", (Button("1 预约挂号", "/book"), Button("查结果", "/result")))
    assert render_text(message) == "您想办什么？\n回复1 预约挂号\n回复2 查结果"


def test_several_messages_are_blank_line_separated() -> None:
    assert render_plain([BotMessage("一"), BotMessage(""), BotMessage("二")]) == "一\n\n二"


def test_short_text_is_one_part_and_lines_stay_together() -> None:
    assert split_text("第一行\n第二行") == ["第一行\n第二行"]


def test_an_overlong_sentence_is_cut_hard() -> None:
    parts = split_text("长" * 650)
    assert [len(p) for p in parts] == [300, 300, 50]


@pytest.mark.parametrize(("text", "word"), [("STOP", "stop"), (" 退订 ", "退订"), ("Stop!", "stop")])
def test_keywords_ignore_case_space_and_punctuation(text: str, word: str) -> None:
    assert keyword(text) == word


@pytest.mark.parametrize(
    ("number", "normal", "mainland"),
    [
        ("13512345678", "+8613512345678", True),
        ("+86 135-1234-5678", "+8613512345678", True),
        ("+14155550100", "+14155550100", False),
        ("+44 7700 900123", "+447700900123", False),
    ],
)
def test_numbers_are_normalised_and_routed(number: str, normal: str, mainland: bool) -> None:
    assert normalise_number(number) == normal and is_mainland(number) is mainland


def test_a_non_number_is_a_permanent_failure() -> None:
    with pytest.raises(DeliveryFailed) as failed:
        normalise_number("hello")
    assert failed.value.retryable is False


def test_sign_content_keeps_sign_type_and_drops_empty_values() -> None:
    fields = {"sign": "x", "sign_type": "RSA2", "b": "2", "a": "1", "empty": ""}
    assert sign_content(fields) == "a=1&b=2&sign_type=RSA2"
    assert sign_content(fields, ("sign", "sign_type")) == "a=1&b=2"


def test_forms_decode_by_their_own_charset() -> None:
    body = urlencode({"charset": "GBK", "biz_content": "我想挂号"}, encoding="gbk").encode()
    assert decode_form(body) == ({"charset": "GBK", "biz_content": "我想挂号"}, "gbk")
    with pytest.raises(MalformedRequest):
        decode_form(b"charset=utf-8&a=1&a=2")  # a repeated field could smuggle an unsigned value


def test_freshness_window() -> None:
    now = time.time()
    check_fresh(now - 299, 300, now)
    with pytest.raises(StaleRequest):
        check_fresh(now - 301, 300, now)
    with pytest.raises(MalformedRequest):
        check_fresh("soon", 300, now)
