"""Booking families of the round on set 7 (tuning material), in wordings of our own:
a title taken back after it is said ("普通号勿要"), a side question at the day question
("挂号费几块钱"), a time of the clock said roughly at the list ("三点左右")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.booking_answers import names_a_day
from actions.dates import today_in_shanghai
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

TODAY = today_in_shanghai()
DAY = (TODAY + timedelta(days=1)).isoformat()


def in_form(text: str, slots: dict[str, Any], extracted: dict[str, Any] | None = None) -> Tracker:
    extracted = extracted or {}
    tracker = make_tracker(slots={**slots, **extracted}, text=text, active_loop="booking_form")
    tracker.events.extend({"event": "slot", "name": k, "value": v} for k, v in extracted.items())
    return tracker


async def run_form(tracker: Tracker, domain: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateBookingForm().run(dispatcher, tracker, domain)
    return slot_events(events), responses(dispatcher)


# --- a side question at the day question -------------------------------------------
async def test_a_fee_question_at_the_day_question_is_answered_and_the_day_asked_again(
    hospital: FakeHospital, domain: dict
) -> None:
    text = "看个号要几块钱 医保刷得了不"
    tracker = in_form(text, {"department": "ent", "requested_slot": "date"}, extracted={"date": text})
    changed, said = await run_form(tracker, domain)
    assert said == ["utter_faq/fees", "utter_faq/insurance"]
    assert changed == {"date": None, "requested_slot": "date"}


def test_a_question_about_the_day_is_no_side_question() -> None:
    for text in ("礼拜六几点有号", "后天上午几点开始", "哪天都行，要多少钱", "15号有没有"):
        assert names_a_day(text), text
    for text in ("挂号费多少钱啊", "你们那能停车不", "医保能报吗"):
        assert not names_a_day(text), text


# --- a time of the clock said roughly at the list --------------------------------------
def place(sid: str, hour: int, minute: int = 0, title: str = "主治医师") -> dict[str, Any]:
    return {
        "id": sid,
        "department": "ophthalmology",
        "doctor": {"id": "d" + sid, "name": "黎" + sid, "title": title},
        "date": DAY,
        "start": f"{DAY}T{hour:02d}:{minute:02d}:00+08:00",
        "fee_fen": 1500,
        "remaining": 2,
    }


ROUGH_DAY = [place("a1", 13, 30), place("a2", 14), place("a3", 14, 30), place("a4", 15, 30), place("a5", 16, 30)]
SHOWN = {
    "department": "ophthalmology",
    "date": f"{DAY} afternoon",
    "requested_slot": "slot_id",
    "offered_choices": ["a1", "a2"],
}


async def test_a_rough_time_takes_the_nearest_place_of_the_day(hospital: FakeHospital, domain: dict) -> None:
    hospital.slots[f"ophthalmology|{DAY}"] = ROUGH_DAY
    for text, wanted in (("四点钟上下最合适", "a4"), ("两点多的", "a2"), ("四点以后的", "a5"), ("两点半那个", "a3")):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(slots=SHOWN, text=text)
        result = await ValidateBookingForm().validate_slot_id(text, dispatcher, tracker, domain)
        assert result == {"slot_id": wanted}, text
        shown = wanted in SHOWN["offered_choices"]  # a place on the screen is simply taken
        assert responses(dispatcher) == ([] if shown else ["utter_place_taken"]), text


async def test_a_time_asked_about_or_far_from_every_place_takes_nothing(hospital: FakeHospital, domain: dict) -> None:
    hospital.slots[f"ophthalmology|{DAY}"] = ROUGH_DAY
    for text in ("有没有四点左右的", "晚上八点"):
        tracker = make_tracker(slots=SHOWN, text=text)
        result = await ValidateBookingForm().validate_slot_id(text, CollectingDispatcher(), tracker, domain)
        assert result.get("slot_id") is None, text


# --- a name slip owned up to, then the right name ---------------------------------------
def test_a_slip_owned_up_to_then_the_right_name() -> None:
    from actions.corrections import corrected_name

    for text, name in (
        ("刚才打错了 是黄嘉怡 嘉兴的嘉", "黄嘉怡"),
        ("输错字了，应该叫黄嘉怡", "黄嘉怡"),
        ("不对不对 黄嘉怡才对", "黄嘉怡"),
        ("寫錯了 是黃嘉怡", "黃嘉怡"),
    ):
        assert corrected_name(text) == name, text
    for text in ("打错了 是后天", "不对 是李医生那个", "点错了 要挂口腔科", "少打了一位 是[手机#139****2468#Qw3rTy7u]"):
        assert corrected_name(text) is None, text


async def test_a_name_slip_at_the_id_question_changes_the_name(hospital: FakeHospital, domain: dict) -> None:
    text = "刚才打错了 是黄嘉怡 嘉兴的嘉"
    asked = {
        "department": "ent",
        "date": DAY,
        "slot_id": "x1",
        "patient_name": "黄佳怡",
        "requested_slot": "id_number",
    }
    tracker = in_form(text, asked, extracted={"id_number": text})
    changed, said = await run_form(tracker, domain)
    assert changed["patient_name"] == "黄嘉怡" and changed["id_number"] is None
    assert said == ["utter_name_corrected"]


# --- going back to a department already chosen -------------------------------------------
async def test_going_back_to_the_department_already_chosen_keeps_it(hospital: FakeHospital, domain: dict) -> None:
    """ "不对 是牙疼 要挂口腔科" changed the department; "上一步 换成口腔科" right after, at the
    day question, must not empty it again (the department question would come back)."""
    text = "退回上一步 换成口腔科"
    tracker = make_tracker(
        slots={"department": "stomatology", "requested_slot": "date"},
        text=text,
        intent="go_back",
        active_loop="booking_form",
    )
    changed, _said = await run_form(tracker, domain)
    assert changed.get("department", "stomatology") == "stomatology"
    assert changed["requested_slot"] == "date"


def test_a_time_of_day_inside_a_complaint_is_no_wish() -> None:
    from actions.booking_wishes import period_wished

    for text in ("孩子下午就开始发烧了", "夜里又咳起来", "早上有点头晕"):
        assert period_wished(text) is None, text
    assert period_wished("早上有点头晕 想挂下午的") == "afternoon"


# --- every detail said in the message that starts the booking -----------------------------
async def test_details_in_the_opening_message_are_kept_for_registration(hospital: FakeHospital, domain: dict) -> None:
    from actions.patient_names import name_in

    phone, id_number = "[手机#139****1357#Pp9oO8iI]", "[身份证#Uu7yY6tT]"
    text = f"给我约个眼科后天下午的我叫钱多多身份证{id_number}电话{phone}眼睛老是干"
    assert name_in(text) == "钱多多"
    tracker = make_tracker(text=text, intent="book_appointment", active_loop="booking_form")
    dispatcher = CollectingDispatcher()
    events = await ValidateBookingForm().run(dispatcher, tracker, domain)
    kept = slot_events(events)
    assert kept["patient_name"] == "钱多多" and kept["id_number"] == id_number and kept["phone"] == phone
    assert "utter_details_kept" in responses(dispatcher)


async def test_a_bare_word_before_the_list_is_no_name(hospital: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(text="周晨阳", slots={"requested_slot": "department"}, active_loop="booking_form")
    events = await ValidateBookingForm().run(CollectingDispatcher(), tracker, domain)
    assert "patient_name" not in slot_events(events)


# --- a day without the half wished: the list asked again, and a name typed at it ----------
def gyn_place(sid: str, day: str, hour: int) -> dict[str, Any]:
    return {
        "id": sid,
        "department": "gynecology",
        "doctor": {"id": "g" + sid, "name": "常" + sid, "title": "主治医师"},
        "date": day,
        "start": f"{day}T{hour:02d}:00:00+08:00",
        "fee_fen": 1500,
        "remaining": 2,
    }


async def test_the_nearest_afternoon_stays_first_when_the_list_is_asked_again(
    hospital: FakeHospital, domain: dict
) -> None:
    from actions.booking import ActionAskSlotId

    nxt = (TODAY + timedelta(days=2)).isoformat()
    hospital.slots[f"gynecology|{DAY}"] = [gyn_place("m1", DAY, 8), gyn_place("m2", DAY, 9)]
    hospital.slots[f"gynecology|{nxt}"] = [gyn_place("p1", nxt, 14)]
    slots = {"department": "gynecology", "date": f"{DAY} afternoon", "booking_wish": {"period": "afternoon"}}
    first = slot_events(await ActionAskSlotId().run(CollectingDispatcher(), make_tracker(slots=slots), domain))
    assert first["offered_choices"][0] == "p1"
    # a side question about parking, then the list again: the same places in the same order
    again = make_tracker(slots={**slots, "slot_list_view": first["slot_list_view"]}, text="停车方便吗")
    second = slot_events(await ActionAskSlotId().run(CollectingDispatcher(), again, domain))
    assert second["offered_choices"] == first["offered_choices"]
    # the patient goes on with the name: the afternoon place is taken, not the morning one
    at_list = {**slots, **second, "requested_slot": "slot_id"}
    tracker = in_form("郑秋菊", at_list, extracted={"slot_id": "郑秋菊"})
    changed, said = await run_form(tracker, domain)
    assert changed["slot_id"] == "p1" and changed["patient_name"] == "郑秋菊"
    assert said == ["utter_details_kept", "utter_place_taken"]


# --- the SMS code's step forgiven ------------------------------------------------------------
CODE_DETAILS = {"patient_name": "邓丽华", "id_number": "440106198202020555", "phone": "13900002222"}
READ_BACK = {"department": "cardiology", "date": DAY, "slot_id": "s1", **CODE_DETAILS}


async def test_a_confirmed_read_back_within_the_send_limit_asks_for_the_code_it_sent(
    hospital: FakeHospital, domain: dict, monkeypatch: Any
) -> None:
    """The read-back confirmed again a moment after a code went out: the API refuses a new code
    for a minute; the one sent is still good, so it is asked for and the ID number and phone stay."""
    from actions import common
    from integrations.hospital import RateLimited

    def too_soon(**_kw: Any) -> Any:
        raise RateLimited(code="rate_limited", message="验证码发送太频繁，请42秒后再试")

    monkeypatch.setattr(common.backend(), "register_patient", too_soon)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={**READ_BACK, "requested_slot": "registration_ok"}, text="行 没问题")
    result = await ValidateBookingForm().validate_registration_ok(True, dispatcher, tracker, domain)
    assert result == {"registration_ok": True, "bind_code": None}
    assert "5分钟内都有效" in dispatcher.messages[0]["message"]


async def test_send_it_again_read_as_going_back_sends_the_code_again(hospital: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(
        slots={**READ_BACK, "registration_ok": True, "requested_slot": "bind_code"},
        text="短信还没到 再给我发一次",
        intent="go_back",
        active_loop="booking_form",
    )
    changed, said = await run_form(tracker, domain)
    assert changed.get("registration_ok", True) is True and changed["bind_code"] is None
    assert "utter_go_back" not in said
    assert hospital.otp_codes.get(f"bind:{CODE_DETAILS['phone']}")  # sent again


async def test_a_code_typed_at_the_read_back_after_one_went_out_is_the_code(
    hospital: FakeHospital, domain: dict
) -> None:
    hospital.otp_codes[f"bind:{CODE_DETAILS['phone']}"] = "135791"
    events = [{"event": "slot", "name": "requested_slot", "value": "bind_code"}]
    tracker = make_tracker(
        slots={**READ_BACK, "requested_slot": "registration_ok"},
        text="135791",
        events=events,
        active_loop="booking_form",
        sender="web-visit-9",
    )
    changed, said = await run_form(tracker, domain)
    assert changed["registration_ok"] is True and changed["bind_code"] == "verified" and changed["patient_id"]
    assert "utter_confirm_before_code" not in said


# --- other verbs for getting a place ----------------------------------------------------------
def test_dialect_verbs_for_getting_a_place_book_the_department_named() -> None:
    from actions.common import resolve_department
    from actions.journey_words import BOOKING_FORM, other_errand

    for text in ("整个皮肤科的号 脸上起了好些红疙瘩", "帮俺搞个眼科的号 眼睛老流泪", "给娃弄个儿科号 咳嗽几天了"):
        errand = other_errand(text, resolve_department)
        assert errand is not None and errand[0] == BOOKING_FORM and errand[1], text
    for text in ("整个人都没劲 咳嗽好几天了", "孩子整个晚上都在咳，要不要紧"):
        assert other_errand(text, resolve_department) is None, text


async def test_going_on_after_a_side_question_is_no_wrong_choice(hospital: FakeHospital, domain: dict) -> None:
    hospital.slots[f"ophthalmology|{DAY}"] = ROUGH_DAY
    for text in ("行 那接着挂号", "好嘞 继续吧"):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(slots=SHOWN, text=text)
        result = await ValidateBookingForm().validate_slot_id(text, dispatcher, tracker, domain)
        assert result == {"slot_id": None} and responses(dispatcher) == [], text
