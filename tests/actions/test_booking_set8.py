"""Booking on conversation set 8's wordings (issue 13, tuning round of session 26).

J49 asked "聽日朝早得唔得" at the day question (the NLU read 唔得 as a refusal and the day was
asked five times), J30 said "明儿个上午嘛，下午要去打牌" and got an afternoon, J45 asked for
乳房外科 and got 普通外科, then said "簡訊一直沒收到欸" at the read-back (no code had gone out yet)
and met the menu. The patients' words and variants of our own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.booking_dates import day_asked_whether
from actions.booking_wishes import period_wished
from actions.common import resolve_department
from actions.dates import resolve, today_in_shanghai
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

TODAY = today_in_shanghai()
TOMORROW = TODAY + timedelta(days=1)
PHONE = "[手机#139****2468#Qw3rTy7u]"
ID_NUMBER = "[身份证#Zx8cVb2n]"


# --- a day asked about with an A-not-A question (J49) ------------------------------------
@pytest.mark.parametrize(
    ("text", "offset", "period"),
    [
        ("聽日朝早得唔得", 1, "morning"),  # J49
        ("听日下昼得唔得呀", 1, "afternoon"),
        ("明天上午行不行", 1, "morning"),
        ("后天可不可以", 2, None),
        ("明儿个下午中不中", 1, "afternoon"),
    ],
)
async def test_a_day_asked_whether_it_is_possible_is_the_day(
    text: str, offset: int, period: str | None, hospital: FakeHospital, domain: dict
) -> None:
    said = day_asked_whether(text, TODAY)
    assert said is not None and said.day == TODAY + timedelta(days=offset) and said.period == period
    tracker = make_tracker(slots={"department": "gynecology", "requested_slot": "date"}, text=text, intent="deny")
    found = await ValidateBookingForm().extract_date(CollectingDispatcher(), tracker, domain)
    wanted = (TODAY + timedelta(days=offset)).isoformat() + (f" {period}" if period else "")
    assert found == {"date": wanted}


@pytest.mark.parametrize("text", ["聽日唔得", "明天不行 后天行不行", "明天行不行 不行就算了", "明天不行", "有没有人工"])
async def test_a_day_refused_is_no_day_asked(text: str, hospital: FakeHospital, domain: dict) -> None:
    assert day_asked_whether(text, TODAY) is None
    tracker = make_tracker(slots={"department": "gynecology", "requested_slot": "date"}, text=text, intent="deny")
    assert await ValidateBookingForm().extract_date(CollectingDispatcher(), tracker, domain) == {}


# --- a half of the day taken by something else (J30) ---------------------------------------
@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("明儿个上午嘛，下午要去打牌", "morning"),  # J30
        ("明天上午 下午得去银行", "morning"),
        ("明天下午约了人打麻将 上午来", "morning"),
        ("后天吧 上午要去跳广场舞 下午可以", "afternoon"),
        ("明天下午要去医院看看", "afternoon"),  # going to us is the wish
    ],
)
def test_a_half_taken_by_an_errand_elsewhere_is_no_wish(text: str, period: str) -> None:
    phrase = resolve(text, TODAY)
    assert phrase is not None and phrase.period == period
    assert period_wished(text) == period


# --- 乳房外科 is the breast surgery clinic (J45) --------------------------------------------
@pytest.mark.parametrize(
    "text", ["歹勢 我想掛乳房外科 洗澡的時候摸到一個硬塊 不會痛", "乳房外科", "想挂个乳房科的号", "掛乳房外科"]
)
def test_breast_clinic_said_as_breast_is_breast_surgery(text: str) -> None:
    assert resolve_department(text) == "breast_surgery"


def test_other_surgery_names_stay_general_surgery() -> None:
    assert resolve_department("我要挂普外科") == "general_surgery"
    assert resolve_department("外科") == "general_surgery"


# --- "no SMS came" at the read-back, before any code was sent (J45) ---------------------------
@pytest.mark.parametrize("text", ["簡訊一直沒收到欸", "短信还没收到啊", "验证码没来", "怎么没收到验证码"])
async def test_no_sms_before_the_read_back_is_confirmed_says_it_goes_out_after(
    text: str, hospital: FakeHospital, domain: dict
) -> None:
    day = TOMORROW.isoformat()
    read_back = {
        "department": "ent",
        "date": day,
        "slot_id": "m1",
        "patient_name": "林淑惠",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "requested_slot": "registration_ok",
    }
    tracker = make_tracker(slots=read_back, text=text, intent="nlu_fallback", active_loop="booking_form")
    dispatcher = CollectingDispatcher()
    events = await ValidateBookingForm().run(dispatcher, tracker, domain)
    changed: dict[str, Any] = slot_events(events)
    assert changed == {"registration_ok": None, "requested_slot": "registration_ok"}
    assert responses(dispatcher) == ["utter_confirm_before_code"]


# --- a wish at the list is no side question, whatever the response selector says (J05) ------
@pytest.mark.parametrize("text", ["有没有副主任医师的 要上午的号", "有主任医师的吗", "有没有下午的号呀"])
def test_a_wish_at_the_list_is_no_fee_question(text: str) -> None:
    from actions.booking_answers import side_topics

    tracker = make_tracker(slots={"requested_slot": "slot_id"}, text=text, intent="faq")
    tracker.latest_message["response_selector"] = {
        "faq": {"response": {"confidence": 0.9, "intent_response_key": "faq/fees"}}
    }
    assert side_topics(tracker) == []


def test_a_fee_question_at_the_list_is_still_answered() -> None:
    from actions.booking_answers import side_topics

    tracker = make_tracker(slots={"requested_slot": "slot_id"}, text="专家号多少钱", intent="faq")
    assert side_topics(tracker) == ["utter_faq/fees"]
