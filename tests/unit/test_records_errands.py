"""Which words ask after one's own appointment or reports (blind set 5's G39-G41 and G45,
then wordings of our own): both the actions and the chat edge read them."""

from __future__ import annotations

import pytest

from services.conversation.records_errands import (
    CANCEL_APPOINTMENT,
    QUERY_APPOINTMENT,
    QUERY_RESULT,
    asks_after_appointment,
    asks_for_results,
    records_trigger,
)


@pytest.mark.parametrize(
    "text",
    [
        "俺给俺闺女约了个号，俺寻思着是礼拜四，记不清了，帮俺查查",  # G39
        "我是不是约了明天的号🤔 忘了到底是不是12月7日",  # G40
        "我想睇下我約咗邊日覆診",  # G41
        "我 约的 是 哪天 忘了",  # G38
        "帮我妈查一下她预约的是几点",
        "上礼拜挂了个眼科的号，是哪天来着",
        "我約了復診，唔記得係幾點",
        "预约了没有啊 帮我看看",
    ],
)
def test_asking_after_an_appointment_already_made(text: str) -> None:
    assert asks_after_appointment(text) and records_trigger(text) == QUERY_APPOINTMENT


@pytest.mark.parametrize(
    "text",
    [
        "我约了明天的号，想取消",
        "约了周三的号，能不能改到周五",
        "我约了心内科，还想再挂个眼科",
        "帮我挂个明天的号",
        "查一下明天有没有心内科的号",
        "头疼三天了",
        "孩子发烧了是不是要去医院",
    ],
)
def test_a_cancel_a_move_a_new_booking_or_a_complaint_is_no_query(text: str) -> None:
    assert not asks_after_appointment(text)


@pytest.mark.parametrize(
    "text",
    [
        "俺爹前天做哩胃镜，病理结果出来没有，帮俺瞅瞅",  # G45
        "我的化验单出来了吗",
        "帮我妈看看她的CT报告",
        "上週驗血嘅報告出咗未，想睇下",
        "活检结果出没出",
    ],
)
def test_asking_for_ones_reports(text: str) -> None:
    assert asks_for_results(text) and records_trigger(text) == QUERY_RESULT


@pytest.mark.parametrize("text", ["病理报告一般几天能出来", "报告能在自助机打印吗", "你好", "医院几点开门"])
def test_questions_about_the_hospital_and_small_talk_are_neither(text: str) -> None:
    assert records_trigger(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "我 那个 约的号 不去 了",  # set 5's G34, spaced as typed by voice
        "约好的号去不了了",
        "预约的那个号 我妈来不了了",
        "約咗嘅號唔去喇",
        "我挂了明天的号 不想去了",
    ],
)
def test_an_appointment_the_patient_will_not_go_to_is_given_back(text: str) -> None:
    assert records_trigger(text) == CANCEL_APPOINTMENT


@pytest.mark.parametrize(
    "text",
    [
        "我约了明天的号 但是发烧了去不了",  # a complaint: triage hears it first
        "我不去了",  # nothing booked said
        "帮我约个号 明天去不了 后天可以",  # a new booking
        "我约的是哪天 忘了",  # a look-up
    ],
)
def test_not_going_without_an_appointment_or_with_a_complaint_is_no_cancellation(text: str) -> None:
    assert records_trigger(text) != CANCEL_APPOINTMENT
