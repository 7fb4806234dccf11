"""Booking wordings of blind conversation set 6 (H01-H14) and our own variants: a half of the
day the patient is busy in is no wish, Minnan days and halves, an ordinal inside a longer
answer, and a wish said at the list as the choice takes the first place that fits it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.booking_answers import side_topics
from actions.booking_wishes import period_wished, wants_anything
from actions.dates import resolve, today_in_shanghai
from actions.place_taken import takes_the_wish
from actions.typed_choices import chosen_place
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

TODAY = today_in_shanghai()
DAY = (TODAY + timedelta(days=1)).isoformat()


# --- a half of the day the patient is busy in -------------------------------------------
@pytest.mark.parametrize(
    ("text", "half"),
    [
        ("我想挂个心内课的号 要下午的 上午要送孙子", "afternoon"),  # H01
        ("上午要上班 下午去", "afternoon"),
        ("下午我得接孩子，上午吧", "morning"),
        ("明天 下午没空", None),
        ("上午不方便", None),
        ("上午俺得送孩子 改下午吧", "afternoon"),
        ("下午不行，上午吧", "morning"),
        ("上午有没有", "morning"),  # a question about the morning, not a busy morning
        ("上午行不行", "morning"),
    ],
)
def test_a_half_the_patient_is_busy_in_is_no_wish(text: str, half: str | None) -> None:
    assert period_wished(text) == half


def test_a_day_with_a_busy_half_is_the_other_half() -> None:
    phrase = resolve("明天 下午要上班 上午吧", TODAY)
    assert phrase is not None and phrase.period == "morning"


# --- Minnan days and halves -------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "offset", "half"),
    [
        ("明仔載下晡", 1, "afternoon"),  # H14
        ("明仔载下晡", 1, "afternoon"),
        ("明仔再頂晡", 1, "morning"),
        ("今仔日下晡有無", 0, "afternoon"),
    ],
)
def test_minnan_days_and_halves(text: str, offset: int, half: str) -> None:
    phrase = resolve(text, TODAY)
    assert phrase is not None and phrase.day == TODAY + timedelta(days=offset) and phrase.period == half


# --- a place chosen by its ordinal inside a longer answer -------------------------------
@pytest.mark.parametrize(
    ("text", "place_no"),
    [
        ("第二个吧 九点多那个", 2),  # H02
        ("我要第三个号 那个医生好", 3),
        ("那就第1个吧谢谢", 1),
        ("第二个礼拜再说", None),
        ("第一个还是第二个好呢", None),  # two ordinals: no choice
        ("第九个吧 下午的", None),  # not on the list
    ],
)
def test_an_ordinal_inside_a_longer_answer(text: str, place_no: int | None) -> None:
    assert chosen_place(text, 8) == place_no


# --- a wish said as the choice ----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "takes"),
    [
        ("上午的就行 哪个大夫都中", True),  # H05
        ("就要主任 别个不要", True),  # H03
        ("上午那个", True),  # H13
        ("下午的吧", True),
        ("要主任的 别的不要", True),
        ("周医生有没有啊没有的话别的也行", False),  # asked: it narrows the list
        ("有没有副主任的", False),  # H11
        ("下午吧", False),
    ],
)
def test_a_wish_said_as_the_choice(text: str, takes: bool) -> None:
    assert takes_the_wish(text) is takes


@pytest.mark.parametrize("text", ["别的也行", "其他的也可以", "随便 侬看看哪个有就哪个", "哪个大夫都中"])
def test_any_place_will_do(text: str) -> None:
    assert wants_anything(text)


def place(sid: str, hour: int, name: str, title: str) -> dict[str, Any]:
    return {
        "id": sid,
        "department": "dermatology",
        "doctor": {"id": name, "name": name, "title": title},
        "date": DAY,
        "start": f"{DAY}T{hour:02d}:00:00+08:00",
        "fee_fen": 1500,
        "remaining": 2,
    }


@pytest.fixture
def derm(hospital: FakeHospital) -> FakeHospital:
    hospital.slots[f"dermatology|{DAY}"] = [
        place("m1", 8, "钱立群", "主治医师"),
        place("m2", 9, "孔德明", "主任医师"),
        place("a1", 14, "钱立群", "主治医师"),
        place("a2", 15, "孔德明", "主任医师"),
    ]
    return hospital


def at_list(text: str) -> Tracker:
    slots = {
        "department": "dermatology",
        "date": DAY,
        "requested_slot": "slot_id",
        "offered_choices": ["m1", "m2", "a1", "a2"],
        "slot_id": text,
    }
    tracker = make_tracker(slots=slots, text=text, active_loop="booking_form")
    tracker.events.append({"event": "slot", "name": "slot_id", "value": text})
    return tracker


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ("就要主任 别个不要", "m2"),
        ("下午的就行 哪个大夫都中", "a1"),
        ("下午那个 要主任的", "a2"),
        ("上午的就行", "m1"),
    ],
)
async def test_a_wish_at_the_list_takes_the_first_place_that_fits(
    derm: FakeHospital, domain: dict, text: str, taken: str
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ValidateBookingForm().run(dispatcher, at_list(text), domain)
    assert slot_events(events)["slot_id"] == taken and "utter_place_taken" in responses(dispatcher)


@pytest.mark.parametrize("text", ["有没有主任的", "下午吧"])
async def test_a_wish_asked_at_the_list_only_narrows_it(derm: FakeHospital, domain: dict, text: str) -> None:
    dispatcher = CollectingDispatcher()
    events = await ValidateBookingForm().run(dispatcher, at_list(text), domain)
    changed = slot_events(events)
    assert changed["slot_id"] is None and changed["slot_list_view"] and "utter_place_taken" not in responses(dispatcher)


# --- a side question mid-form -------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("对了 你们那开车去好停车不", ["utter_faq/parking"]),  # H06: a trailing 不 asks
        ("挂号费好多钱咯 医保报得不", ["utter_faq/fees", "utter_faq/insurance"]),  # H13: both answered
        ("能用医保报销不", ["utter_faq/insurance"]),
        ("好 那继续 名字刘建国", []),
    ],
)
def test_a_side_question_is_read_with_each_topic(text: str, topics: list[str]) -> None:
    assert side_topics(make_tracker(text=text)) == topics


# --- the code question: sent again, never skipped -----------------------------------------
DETAILS = {"patient_name": "王大明", "id_number": "440106198202020555", "phone": "13900001111"}


async def validate_code(text: str, domain: dict) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={**DETAILS, "registration_ok": True}, text=text, channel="wechat", sender="openid-6")
    result = await ValidateBookingForm().validate_bind_code(text, dispatcher, tracker, domain)
    return result, responses(dispatcher)


@pytest.mark.parametrize("text", ["验证码没收到呀 再发一遍好伐", "收不到短信", "再发一个验证码", "还没到 重发一下"])
async def test_a_code_not_received_is_sent_again(hospital: FakeHospital, domain: dict, text: str) -> None:
    result, said = await validate_code(text, domain)
    sent = [r for r in hospital.requests if r["path"] == "/api/v1/patients"]
    assert result == {"bind_code": None} and said == ["utter_backend_message"] and sent
    assert sent[-1]["body"].get("code") is None  # a new code asked of the hospital, nothing bound


@pytest.mark.parametrize("text", ["验证码就不要了吧 俺着急 直接给俺挂上", "跳过验证码", "不用验证了 直接约"])
async def test_the_code_cannot_be_skipped(hospital: FakeHospital, domain: dict, text: str) -> None:
    result, said = await validate_code(text, domain)
    assert result == {"bind_code": None} and said == ["utter_code_needed"]
    assert not [r for r in hospital.requests if r["path"] == "/api/v1/patients"]


async def test_another_answer_at_the_code_question_is_a_wrong_code(hospital: FakeHospital, domain: dict) -> None:
    assert await validate_code("好的", domain) == ({"bind_code": None}, ["utter_invalid_otp"])


# --- going back with the new answer in the same message ------------------------------------
@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("返回 明天不中 换成后天", 2),  # H11
        ("上一步 不对不对 大后天我要上班 改成下周二", None),  # H07: next Tuesday
        ("不对 改到大后天", 3),
    ],
)
async def test_going_back_at_the_list_with_a_new_day_takes_it(
    derm: FakeHospital, domain: dict, text: str, offset: int | None
) -> None:
    tracker = make_tracker(
        slots={"department": "dermatology", "date": DAY, "requested_slot": "slot_id", "offered_choices": ["m1"]},
        text=text,
        intent="go_back",
        active_loop="booking_form",
    )
    changed = slot_events(await ValidateBookingForm().run(CollectingDispatcher(), tracker, domain))
    want = resolve(text, TODAY) if offset is None else None
    day = want.iso() if want else (TODAY + timedelta(days=offset or 0)).isoformat()
    assert changed["date"] == day and changed["slot_id"] is None and changed["requested_slot"] == "slot_id"


async def test_going_back_at_the_day_question_with_a_department_takes_it(hospital: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(
        slots={"department": "rheumatology", "requested_slot": "date"},
        text="哎不对不对 他是摔的 那还是挂骨科吧",  # H05
        intent="go_back",
        active_loop="booking_form",
    )
    changed = slot_events(await ValidateBookingForm().run(CollectingDispatcher(), tracker, domain))
    assert changed["department"] == "orthopedics" and changed["requested_slot"] == "date"


async def test_going_back_without_a_new_answer_asks_again(derm: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(
        slots={"department": "dermatology", "date": DAY, "requested_slot": "slot_id", "offered_choices": ["m1"]},
        text="上一步",
        intent="go_back",
        active_loop="booking_form",
    )
    changed = slot_events(await ValidateBookingForm().run(CollectingDispatcher(), tracker, domain))
    assert changed["date"] is None and changed["requested_slot"] == "date"


# --- an earlier appointment given back in the middle of a booking (set 5's G33) -------------
@pytest.mark.parametrize(
    "text", ["那干脆别挂了，把原来那个也取消吧，咳嗽已经好了", "不挂了 把之前约的也退了", "之前约的那个号退掉吧"]
)
async def test_an_earlier_appointment_given_back_at_the_list_starts_the_cancellation(
    derm: FakeHospital, domain: dict, text: str
) -> None:
    tracker = at_list(text)
    tracker.latest_message["intent"] = {"name": "report_symptom", "confidence": 0.8}
    events = await ValidateBookingForm().run(CollectingDispatcher(), tracker, domain)
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert any(e.get("event") == "followup" and e.get("name") == "cancel_form" for e in events)
    assert slot_events(events)["department"] is None


@pytest.mark.parametrize("text", ["等一下，我想起来上周已经约过一个了", "原来的号能退吗", "这个号不要了"])
async def test_words_about_an_earlier_one_that_give_nothing_back_keep_the_booking(
    derm: FakeHospital, domain: dict, text: str
) -> None:
    events = await ValidateBookingForm().run(CollectingDispatcher(), at_list(text), domain)
    assert not any(e.get("event") == "followup" for e in events)


# --- a doctor asked for by surname ---------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "doctor"),
    [
        ("那个我想挂一下口腔科就是补牙的那个然后想找一个姓周的医生之前给我看过的", "周"),  # H07
        ("有没有姓孔的大夫", "孔"),
        ("姓王的医生", None),  # nobody called 王 that day: no narrowing
    ],
)
def test_a_doctor_asked_for_by_surname(text: str, doctor: str | None) -> None:
    from actions.slot_lists import fresh_view, view_from_words

    slots: Any = [place("m1", 8, "周立群", "主治医师"), place("m2", 9, "孔德明", "主任医师")]
    view = view_from_words(text, fresh_view(DAY), slots)
    assert (view or {}).get("doctor") == doctor


# --- a time inside a complaint is no wish (H12: "夜里得起来四五趟" asked for evening places) ----
@pytest.mark.parametrize(
    ("text", "half"),
    [
        ("俺这阵子尿尿不得劲 老往厕所跑 夜里得起来四五趟 想挂泌尿科", None),  # H12
        ("早上起来头晕 想挂个号", None),
        ("晚上老咳嗽 想挂下午的", "afternoon"),
        ("下午疼得厉害 想挂上午的", "morning"),
        ("晚上", "evening"),
    ],
)
def test_a_time_inside_a_complaint_is_no_wish(text: str, half: str | None) -> None:
    assert period_wished(text) == half


# --- "just book it" at the read-back (H12) -------------------------------------------------
@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("验证码就不要了吧 俺着急 直接给俺挂上", ["utter_code_needed"]),  # H12
        ("直接挂吧", ["utter_code_needed"]),
        ("对 确认", []),
    ],
)
async def test_book_it_now_at_the_read_back(hospital: FakeHospital, domain: dict, text: str, said: list) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={**DETAILS, "requested_slot": "registration_ok"}, text=text, intent="report_symptom")
    result = await ValidateBookingForm().extract_registration_ok(dispatcher, tracker, domain)
    assert result == {"registration_ok": True} and responses(dispatcher) == said


async def test_do_not_book_at_the_read_back_is_no_yes(hospital: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(slots={**DETAILS, "requested_slot": "registration_ok"}, text="先别挂 我再想想")
    assert await ValidateBookingForm().extract_registration_ok(CollectingDispatcher(), tracker, domain) == {}


# --- a new day read as moving an appointment (H11: "返回 明天不中 换成后天") ------------------
@pytest.mark.parametrize("intent", ["reschedule_appointment", "go_back"])
async def test_a_new_day_read_as_a_move_keeps_the_booking(derm: FakeHospital, domain: dict, intent: str) -> None:
    from actions.general import ActionResetJourney

    tracker = make_tracker(
        slots={"department": "dermatology", "date": DAY, "requested_slot": "slot_id", "offered_choices": ["m1"]},
        text="返回 明天不中 换成后天",
        intent=intent,
        active_loop="booking_form",
    )
    dispatcher = CollectingDispatcher()
    events = await ActionResetJourney().run(dispatcher, tracker, domain)
    assert slot_events(events)["date"] == (TODAY + timedelta(days=2)).isoformat()
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "booking_form"}
    assert responses(dispatcher) == ["utter_go_back"]


async def test_moving_an_earlier_appointment_is_left_to_the_reschedule(derm: FakeHospital, domain: dict) -> None:
    from actions.general import ActionResetJourney

    tracker = make_tracker(
        slots={"department": "dermatology", "date": DAY, "requested_slot": "slot_id", "offered_choices": ["m1"]},
        text="把原来约的那个改到后天",
        intent="reschedule_appointment",
        active_loop="booking_form",
    )
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert not any(e.get("event") == "followup" and e.get("name") == "booking_form" for e in events)
