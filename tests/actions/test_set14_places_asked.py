"""Set 14's X28 and X14 (tuning material), in wordings of our own: a question about open
places at the booking's day question ("啥时候有号啊？明儿个有没") is the day's answer, not a
look at one's own appointments; a title asked with a fallback ("有专家号吗 没有的话普通也行")
is a wish for the first, the day asked again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments import ActionQueryAppointments
from actions.booking import ValidateBookingForm
from actions.booking_wishes import fallback_title, title_of
from actions.dates import today_in_shanghai
from actions.places_asked import asks_for_places, places_asked_while_booking
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

TODAY = today_in_shanghai()
TOMORROW = (TODAY + timedelta(days=1)).isoformat()
AFTER = (TODAY + timedelta(days=2)).isoformat()


def place(sid: str, day: str, hour: int, title: str = "主治医师") -> dict[str, Any]:
    return {
        "id": sid,
        "department": "gastroenterology",
        "doctor": {"id": "d" + sid, "name": "吴海", "title": title},
        "date": day,
        "start": f"{day}T{hour:02d}:00:00+08:00",
        "fee_fen": 1500,
        "remaining": 3,
    }


def at_day_question(text: str, intent: str = "query_appointment", **slots: Any) -> Any:
    tracker = make_tracker(
        slots={"department": "gastroenterology", "requested_slot": "date", **slots},
        text=text,
        intent=intent,
        active_loop="booking_form",
    )
    if intent == "inform":  # the typed-text mapping fills the day with the words
        tracker.slots["date"] = text
        tracker.events.append({"event": "slot", "name": "date", "value": text})
    return tracker


@pytest.mark.parametrize(
    "text",
    [
        "啥时候有号啊？明儿个有没",
        "明儿个有没",
        "後天還有號沒",
        "下礼拜一有没有号",
        "还有号没",
        "有號嗎",
        "啥时候能有号",
        "明天还有吗",
        "聽日有冇位啊",
        "明天能挂上不",
    ],
)
def test_places_asked(text: str) -> None:
    assert asks_for_places(text)


@pytest.mark.parametrize(
    "text", ["我想查一下我明天的预约", "我约的号是明天吗", "查查我的预约", "有点想挂号", "明天上午", "2", "有位医生说"]
)
def test_no_places_asked(text: str) -> None:
    assert not asks_for_places(text)


@pytest.mark.parametrize(("intent"), ["query_appointment", "inform"])
@pytest.mark.parametrize(
    ("text", "day"),
    [("啥时候有号啊？明儿个有没", TOMORROW), ("明天有号吗", TOMORROW), ("後天還有號沒", AFTER)],
)
async def test_a_day_asked_about_is_listed(
    text: str, day: str, intent: str, hospital: FakeHospital, domain: dict
) -> None:
    for d in (TOMORROW, AFTER):
        hospital.slots[f"gastroenterology|{d}"] = [place("p" + d, d, 9), place("q" + d, d, 14)]
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_day_question(text, intent), domain))
    assert events["date"] == day
    assert "utter_invalid_date" not in responses(dispatcher)


@pytest.mark.parametrize("text", ["啥时候有号", "还有号没", "啥時候有號啊"])
async def test_no_day_said_lists_the_first_day_with_places(text: str, hospital: FakeHospital, domain: dict) -> None:
    hospital.slots[f"gastroenterology|{AFTER}"] = [place("a1", AFTER, 9)]
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_day_question(text), domain))
    assert events["date"] == AFTER


async def test_the_look_up_hands_the_question_back_to_the_booking(hospital: FakeHospital, domain: dict) -> None:
    tracker = at_day_question("啥时候有号啊？明儿个有没")
    assert places_asked_while_booking(tracker)
    events = await ActionQueryAppointments().run(CollectingDispatcher(), tracker, domain)
    assert events == [FollowupAction("booking_form")]


async def test_own_appointments_outside_a_booking_are_still_looked_up(hospital: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(text="我想查一下我明天的预约", intent="query_appointment")
    assert not places_asked_while_booking(tracker)
    events = await ActionQueryAppointments().run(CollectingDispatcher(), tracker, domain)
    assert events != [FollowupAction("booking_form")]


def test_own_appointments_inside_a_booking_are_no_places_question() -> None:
    assert not places_asked_while_booking(at_day_question("我想查一下我明天的预约"))


@pytest.mark.parametrize(
    ("text", "wished", "fallback"),
    [
        ("有专家号吗 没有的话普通也行", "expert", "ordinary"),
        ("有專家號嗎 沒有的話普通也行", "expert", "ordinary"),
        ("专家号有吗？要是没有 普通的也可以", "expert", "ordinary"),
        ("没有专家的话普通也行", "expert", "ordinary"),
        ("有主任的吗 没的话主治也中", "chief", "attending"),
        ("普通也行", "ordinary", None),
        ("普通的算了 挂专家的", "expert", None),
    ],
)
def test_a_title_with_a_fallback(text: str, wished: str, fallback: str | None) -> None:
    assert title_of(text) == wished and fallback_title(text) == fallback


@pytest.mark.parametrize("intent", ["inform", "query_appointment", "faq"])
async def test_a_title_with_a_fallback_at_the_day_question_asks_the_day_again(
    intent: str, hospital: FakeHospital, domain: dict
) -> None:
    hospital.slots[f"gastroenterology|{TOMORROW}"] = [place("a1", TOMORROW, 9)]
    dispatcher = CollectingDispatcher()
    text = "有专家号吗 没有的话普通也行"
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_day_question(text, intent), domain))
    assert events["booking_wish"]["title"] == "expert"
    assert not events.get("date")
    said = " ".join(m.get("text") or "" for m in dispatcher.messages)
    assert "专家号" in said and "普通号也行" in said
    assert "utter_invalid_date" not in responses(dispatcher)


async def test_an_afternoon_and_a_typed_choice_still_answer_the_day_question(
    hospital: FakeHospital, domain: dict
) -> None:
    hospital.slots[f"gastroenterology|{TOMORROW}"] = [place("a1", TOMORROW, 9), place("a2", TOMORROW, 14)]
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_day_question("下午吧", "inform"), domain))
    assert str(events["date"]).endswith("afternoon")
    buttons = [{"title": "1 今天", "payload": "今天"}, {"title": "2 明天", "payload": "明天"}]
    tracker = at_day_question("2", "inform")
    tracker.events.insert(0, {"event": "bot", "text": "想约哪一天？", "data": {"buttons": buttons}})
    events = slot_events(await ValidateBookingForm().run(CollectingDispatcher(), tracker, domain))
    assert events["date"] == TOMORROW
