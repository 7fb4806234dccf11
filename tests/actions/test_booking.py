"""Booking journey actions against the fake hospital."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.base import valid_id_number
from actions.booking import (
    ActionAskPatientId,
    ActionAskSlotId,
    ActionBookAppointment,
    ValidateBookingForm,
)
from actions.dates import today_in_shanghai
from actions.registration import ActionAskRegistrationOk
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

TOMORROW = (today_in_shanghai() + timedelta(days=1)).isoformat()


def slot(sid: str, hour: int, remaining: int = 3, fee: int = 5000) -> dict[str, Any]:
    return {
        "id": sid,
        "department": "cardiology",
        "doctor": {"id": "d1", "name": "张伟", "title": "主任医师"},
        "date": TOMORROW,
        "start": f"{TOMORROW}T{hour:02d}:00:00+08:00",
        "fee_fen": fee,
        "remaining": remaining,
    }


@pytest.fixture
def stocked(hospital: FakeHospital) -> FakeHospital:
    hospital.slots[f"cardiology|{TOMORROW}"] = [slot("s_am", 9), slot("s_pm", 14), slot("s_full", 15, remaining=0)]
    return hospital


async def run_validate(method: str, value: Any, domain: dict[str, Any], **tracker_kw: Any) -> tuple:
    dispatcher = CollectingDispatcher()
    form = ValidateBookingForm()
    tracker = make_tracker(**tracker_kw)
    result = await getattr(form, f"validate_{method}")(value, dispatcher, tracker, domain)
    return result, responses(dispatcher)


@pytest.mark.parametrize(
    ("text", "code"),
    [("心内科", "cardiology"), ("cardiology", "cardiology"), ("看牙", "stomatology"), ("挂个心脏科的号", "cardiology")],
)
async def test_department_is_normalised(hospital: FakeHospital, domain: dict, text: str, code: str) -> None:
    result, said = await run_validate("department", text, domain, text=text)
    assert result == {"department": code} and said == []


async def test_unknown_department_is_asked_again(hospital: FakeHospital, domain: dict) -> None:
    result, said = await run_validate("department", "火星科", domain, text="火星科")
    assert result == {"department": None} and said == ["utter_unknown_department"]


async def test_date_phrase_resolves_with_period(stocked: FakeHospital, domain: dict) -> None:
    result, said = await run_validate("date", "明天下午", domain, slots={"department": "cardiology"})
    assert result == {"date": f"{TOMORROW} afternoon", "slot_id": None} and said == []


async def test_a_full_day_lists_the_nearest_day_with_places(stocked: FakeHospital, domain: dict) -> None:
    """后天 is full: the patient hears so and sees 明天's places, instead of the day question again."""
    result, said = await run_validate("date", "后天下午", domain, slots={"department": "cardiology"})
    assert result == {"date": f"{TOMORROW} afternoon", "slot_id": None} and said == ["utter_no_slots_nearest_day"]


async def test_date_without_slots_in_the_window_says_full(hospital: FakeHospital, domain: dict) -> None:
    result, said = await run_validate("date", "后天", domain, slots={"department": "cardiology"})
    assert result["date"] is None and said == ["utter_no_slots"]


def asked_for_a_day(*earlier: dict[str, Any]) -> list[dict[str, Any]]:
    buttons = [{"title": f"{i} {day}", "payload": day} for i, day in enumerate(["今天", "明天", "后天"], start=1)]
    return [*earlier, {"event": "bot", "text": "想约哪一天？", "data": {"buttons": buttons}}]


async def test_a_typed_number_picks_that_day_button(stocked: FakeHospital, domain: dict) -> None:
    slots = {"department": "cardiology"}
    result, said = await run_validate("date", "2", domain, text="2", slots=slots, events=asked_for_a_day())
    assert result == {"date": TOMORROW, "slot_id": None} and said == []


async def test_a_number_counts_only_for_the_buttons_just_shown(stocked: FakeHospital, domain: dict) -> None:
    # the day buttons came before an earlier message of the patient: "2" is no day
    events = [*asked_for_a_day(), {"event": "user", "text": "嗯"}]
    result, said = await run_validate("date", "2", domain, text="2", slots={"department": "cardiology"}, events=events)
    assert result == {"date": None} and said == ["utter_invalid_date"]
    result, said = await run_validate("date", "5", domain, text="5", events=asked_for_a_day())
    assert result == {"date": None} and said == ["utter_invalid_date"]


async def test_past_or_far_date_is_refused(hospital: FakeHospital, domain: dict) -> None:
    # a day past the 14-day window ("随便哪天" now takes the earliest day: test_booking_wishes.py)
    result, said = await run_validate("date", "2027年3月5号", domain, text="2027年3月5号")
    assert result == {"date": None} and said == ["utter_invalid_date"]
    result, said = await run_validate("date", "看不懂的日子", domain, text="看不懂的日子")
    assert result == {"date": None} and said == ["utter_invalid_date"]


async def test_changing_the_department_while_the_date_is_asked_is_no_date_error(
    hospital: FakeHospital, domain: dict
) -> None:
    text = "不对，我要挂眼科"
    entities = [{"entity": "department", "value": "ophthalmology"}]
    result, said = await run_validate("date", text, domain, text=text, entities=entities)
    assert result == {"date": None} and said == []


async def test_an_id_number_taken_for_a_phone_draws_no_phone_complaint(hospital: FakeHospital, domain: dict) -> None:
    # the NLU tagged a mistyped 17-digit ID number as a phone while the ID was asked
    text = "44010619820202055"
    result, said = await run_validate("phone", text, domain, text=text, slots={"requested_slot": "id_number"})
    assert result == {"phone": None} and said == []
    asked = {"requested_slot": "phone"}
    result, said = await run_validate("phone", "1381234567", domain, text="1381234567", slots=asked)
    assert result == {"phone": None} and said == ["utter_invalid_phone"]


async def test_a_name_tagged_as_a_date_keeps_the_chosen_day(hospital: FakeHospital, domain: dict) -> None:
    # the NLU tagged "王" of the name "王秀英" as a date while the name was asked
    earlier = [
        {"event": "slot", "name": "date", "value": f"{TOMORROW} morning"},
        {"event": "user", "text": "1", "parse_data": {"intent": {"name": "inform"}}},
        {"event": "slot", "name": "requested_slot", "value": "patient_name"},
    ]
    slots = {"requested_slot": "patient_name", "date": "王"}
    result, said = await run_validate("date", "王", domain, text="王秀英", slots=slots, events=earlier)
    assert result == {"date": f"{TOMORROW} morning"} and said == []


async def test_slot_buttons_are_numbered_and_period_filtered(stocked: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"department": "cardiology", "date": f"{TOMORROW} afternoon"})
    events = await ActionAskSlotId().run(dispatcher, tracker, domain)
    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_slot_id"
    assert [b["payload"] for b in message["buttons"]] == ['/inform{"slot_id": "s_pm"}']
    assert message["buttons"][0]["title"].startswith("1 张伟")
    assert slot_events(events)["offered_choices"] == ["s_pm"]


async def test_slot_named_in_words_is_picked_when_only_one_fits(stocked: FakeHospital, domain: dict) -> None:
    li = {**slot("s_li", 10), "doctor": {"id": "d2", "name": "李娜", "title": "副主任医师"}}
    stocked.slots[f"cardiology|{TOMORROW}"].append(li)
    slots = {"department": "cardiology", "date": TOMORROW, "offered_choices": ["s_am", "s_pm", "s_li"]}
    for text, picked in [("要李娜的", "s_li"), ("下午那个", "s_pm"), ("张伟医生下午的", "s_pm")]:
        result, said = await run_validate("slot_id", text, domain, slots=slots, text=text)
        assert result == {"slot_id": picked} and said == [], text
    # 张伟 has two offered slots: no guess, the list is narrowed to his places instead
    result, said = await run_validate("slot_id", "张伟医生", domain, slots=slots, text="张伟医生")
    assert result["slot_id"] is None and result["slot_list_view"]["doctor"] == "张伟" and said == []


async def test_tapped_slot_button_wins_over_the_payload_text(hospital: FakeHospital, domain: dict) -> None:
    payload = '/inform{"slot_id": "s_pm"}'
    result, said = await run_validate(
        "slot_id",
        payload,
        domain,
        slots={"offered_choices": ["s_am", "s_pm"]},
        text=payload,
        entities=[{"entity": "slot_id", "value": "s_pm"}],
    )
    assert result == {"slot_id": "s_pm"} and said == []


async def test_number_picks_offered_slot(hospital: FakeHospital, domain: dict) -> None:
    result, _ = await run_validate("slot_id", "2", domain, slots={"offered_choices": ["s_am", "s_pm"]}, text="2")
    assert result == {"slot_id": "s_pm"}
    result, _ = await run_validate("slot_id", "第一个", domain, slots={"offered_choices": ["s_am"]}, text="第一个")
    assert result == {"slot_id": "s_am"}


async def test_forged_slot_id_is_refused(hospital: FakeHospital, domain: dict) -> None:
    result, said = await run_validate("slot_id", "s_other", domain, slots={"offered_choices": ["s_am"]})
    assert result == {"slot_id": None} and said == ["utter_invalid_choice"]


async def test_patient_buttons_list_bound_patients_and_add_new(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李秀英", "13812345678", user="u1")
    dispatcher = CollectingDispatcher()
    events = await ActionAskPatientId().run(dispatcher, make_tracker(), domain)
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles == ["1 李*英 138****5678", "2 添加新的就诊人"]  # names masked on buttons
    assert slot_events(events) == {"offered_choices": [pid, "new"]}


async def test_registration_is_required_when_no_patient_is_bound(hospital: FakeHospital, domain: dict) -> None:
    form = ValidateBookingForm()
    slots = domain["forms"]["booking_form"]["required_slots"]
    required = await form.required_slots(slots, CollectingDispatcher(), make_tracker(), domain)
    assert required == [
        "department",
        "date",
        "slot_id",
        "patient_name",
        "id_number",
        "phone",
        "registration_ok",
        "bind_code",
    ]
    hospital.add_patient("李秀英", "13812345678", user="u1")
    required = await form.required_slots(slots, CollectingDispatcher(), make_tracker(), domain)
    assert required == ["department", "date", "slot_id", "patient_id"]


async def test_registration_binds_the_chat_account_only_with_the_sms_code(hospital: FakeHospital, domain: dict) -> None:
    details = {"patient_name": "王大明", "id_number": "440106198202020555"}
    account = {"channel": "wechat", "sender": "openid-9"}
    result, said = await run_validate("phone", "13900001111", domain, slots=details, text="13900001111", **account)
    # nothing is written and no code sent before the patient confirms the read-back
    assert result == {"phone": "13900001111", "registration_ok": None, "bind_code": None} and said == []
    assert not [r for r in hospital.requests if r["path"] == "/api/v1/patients"]
    details["phone"] = "13900001111"
    result, said = await run_validate("registration_ok", True, domain, slots=details, text="对", **account)
    assert result == {"registration_ok": True, "bind_code": None}  # the form asks for the code next
    assert said == ["utter_backend_message"] and hospital.accounts.get(("wechat", "openid-9")) is None
    wrong, said = await run_validate("bind_code", "000000", domain, slots=details, text="000000", **account)
    assert wrong == {"bind_code": None} and said == ["utter_backend_message"]
    result, said = await run_validate("bind_code", "135791", domain, slots=details, text="135791", **account)
    assert result["bind_code"] == "verified" and result["patient_id"].startswith("pat_")
    assert said == ["utter_patient_registered"]
    sent = hospital.requests[-1]["body"]
    assert sent["account"] == {"channel": "wechat", "channel_user_id": "openid-9"} and sent["code"] == "135791"


async def test_bad_id_number_is_asked_again(hospital: FakeHospital, domain: dict) -> None:
    result, said = await run_validate("id_number", "110101199003077577", domain, text="110101199003077577")
    assert result == {"id_number": None} and said == ["utter_invalid_id_number"]
    assert valid_id_number("11010519491231002X")


async def test_book_holds_and_sends_pay_link(stocked: FakeHospital, domain: dict) -> None:
    pid = stocked.add_patient("李秀英", "13812345678")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid, "slot_id": "s_am", "department": "cardiology"})
    events = await ActionBookAppointment().run(dispatcher, tracker, domain)
    held = dispatcher.messages[0]
    assert held["response"] == "utter_booking_held"
    # 去支付 opens the short pay page (the booking's pay_link), not the platform's URL.
    assert held["pay_url"].startswith("http://hospital.local/p/") and held["amount_yuan"] == "50"
    assert slot_events(events)["booking_ok"] is True
    assert stocked.requests[-1]["headers"]["Idempotency-Key"].startswith("bot-")


async def test_free_slot_is_confirmed_at_once(stocked: FakeHospital, domain: dict) -> None:
    stocked.slots[f"cardiology|{TOMORROW}"].append(slot("s_free", 10, fee=0))
    pid = stocked.add_patient("李秀英", "13812345678")
    dispatcher = CollectingDispatcher()
    await ActionBookAppointment().run(dispatcher, make_tracker(slots={"patient_id": pid, "slot_id": "s_free"}), domain)
    assert responses(dispatcher) == ["utter_booking_confirmed"]


async def test_sold_out_goes_back_to_choosing(stocked: FakeHospital, domain: dict) -> None:
    pid = stocked.add_patient("李秀英", "13812345678")
    dispatcher = CollectingDispatcher()
    events = await ActionBookAppointment().run(
        dispatcher, make_tracker(slots={"patient_id": pid, "slot_id": "s_full"}), domain
    )
    assert responses(dispatcher) == ["utter_sold_out"]
    assert any(e["event"] == "followup" and e["name"] == "booking_form" for e in events)
    assert slot_events(events)["sold_out"] is True  # the rule "the slot was taken meanwhile" reads it


async def test_backend_down_is_a_polite_message(down: None, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionBookAppointment().run(dispatcher, make_tracker(slots={"patient_id": "p", "slot_id": "s"}), domain)
    assert responses(dispatcher) == ["utter_backend_error"]


async def test_rescheduling_an_unpaid_hold_books_the_new_one_to_pay_and_says_the_old_is_gone(
    stocked: FakeHospital, domain: dict
) -> None:
    pid = stocked.add_patient("李秀英", "13812345678")
    old = stocked.book({"patient_id": pid, "slot_id": "s_am"}, None)[1]["id"]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid, "slot_id": "s_pm", "reschedule_from": old})
    events = await ActionBookAppointment().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_booking_held", "utter_booking_pay_note", "utter_rescheduled"]
    assert stocked.appointments[old]["status"] == "cancelled"
    [move] = [r for r in stocked.requests if r["path"].endswith("/reschedule")]
    assert move["body"] == {"slot_id": "s_pm"} and move["headers"]["Idempotency-Key"].startswith("bot-")
    assert not any(r["path"].endswith("/cancel") for r in stocked.requests)  # one call, not book + cancel
    assert slot_events(events)["reschedule_from"] is None


def _paid(stocked: FakeHospital, pid: str, slot_id: str) -> str:
    old = stocked.book({"patient_id": pid, "slot_id": slot_id}, None)[1]["id"]
    stocked.appointments[old].update(status="confirmed", payment={"amount_fen": 5000, "status": "paid"})
    return str(old)


async def test_a_paid_visit_moved_at_the_same_fee_is_told_once_that_the_fee_carried_over(
    stocked: FakeHospital, domain: dict
) -> None:
    pid = stocked.add_patient("李秀英", "13812345678")
    old = _paid(stocked, pid, "s_am")
    dispatcher = CollectingDispatcher()
    await ActionBookAppointment().run(
        dispatcher, make_tracker(slots={"patient_id": pid, "slot_id": "s_pm", "reschedule_from": old}), domain
    )
    assert responses(dispatcher) == ["utter_rescheduled_carried"]
    assert dispatcher.messages[0]["paid_yuan"] == "50" and "14:00" in dispatcher.messages[0]["start_text"]


async def test_a_paid_visit_moved_to_a_cheaper_slot_hears_the_difference_goes_back(
    stocked: FakeHospital, domain: dict
) -> None:
    stocked.slots[f"cardiology|{TOMORROW}"].append(slot("s_cheap", 16, fee=3000))
    pid = stocked.add_patient("李秀英", "13812345678")
    old = _paid(stocked, pid, "s_am")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid, "slot_id": "s_cheap", "reschedule_from": old})
    await ActionBookAppointment().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_rescheduled_refund_difference"]
    said = dispatcher.messages[0]
    assert (said["paid_yuan"], said["fee_yuan"], said["difference_yuan"], said["refund_days"]) == (
        "50",
        "30",
        "20",
        "7",
    )


async def test_a_paid_visit_moved_to_a_dearer_slot_gets_the_link_for_the_difference_only(
    stocked: FakeHospital, domain: dict
) -> None:
    stocked.slots[f"cardiology|{TOMORROW}"].append(slot("s_expert", 16, fee=8000))
    pid = stocked.add_patient("李秀英", "13812345678")
    old = _paid(stocked, pid, "s_am")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid, "slot_id": "s_expert", "reschedule_from": old})
    await ActionBookAppointment().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_rescheduled_pay_difference"]
    said = dispatcher.messages[0]
    assert (said["paid_yuan"], said["difference_yuan"]) == ("50", "30") and "/p/" in said["pay_url"]


async def test_a_visit_already_moved_is_explained_and_the_move_forgotten(stocked: FakeHospital, domain: dict) -> None:
    pid = stocked.add_patient("李秀英", "13812345678")
    old = _paid(stocked, pid, "s_am")
    stocked.appointments[old]["status"] = "cancelled"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"patient_id": pid, "slot_id": "s_pm", "reschedule_from": old})
    events = await ActionBookAppointment().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_backend_message"]
    assert "不能再改约" in dispatcher.messages[0]["message"]
    assert slot_events(events)["reschedule_from"] is None


async def test_prefilled_patient_must_belong_to_the_account(hospital: FakeHospital, domain: dict) -> None:
    mine = hospital.add_patient("李秀英", "13812345678", user="u1")
    other = hospital.add_patient("别人", "13900001111", user="u2")
    result, said = await run_validate("patient_id", mine, domain, slots={"offered_choices": ["apt_1"]})
    assert result == {"patient_id": mine} and said == []
    result, said = await run_validate("patient_id", other, domain, slots={"offered_choices": []})
    assert result == {"patient_id": None} and said == ["utter_invalid_choice"]


async def test_quota_shows_the_hospitals_own_words(stocked: FakeHospital, domain: dict) -> None:
    stocked.fail_next.append((429, {"error": "quota_exceeded", "message": "您本周的预约次数已达上限"}))
    dispatcher = CollectingDispatcher()
    await ActionBookAppointment().run(dispatcher, make_tracker(slots={"patient_id": "p", "slot_id": "s_am"}), domain)
    assert responses(dispatcher) == ["utter_backend_message"]
    assert dispatcher.messages[0]["message"] == "您本周的预约次数已达上限"


async def test_the_read_back_is_corrected_before_anything_is_written(hospital: FakeHospital, domain: dict) -> None:
    """'李明' then '不对，名字打错了，是李敏' at the read-back: the name changes and is read
    back again; no record exists until '对'."""
    details = {"patient_name": "李明", "id_number": "440106198202020555", "phone": "13900001111"}
    dispatcher = CollectingDispatcher()
    events = await ActionAskRegistrationOk().run(dispatcher, make_tracker(slots=details), domain)
    assert events == [] and dispatcher.messages[0]["response"] == "utter_ask_registration_ok"
    shown = dispatcher.messages[0]
    assert shown["patient_name"] == "李明" and shown["id_masked"] == "440106********0555"
    assert shown["phone_masked"] == "139****1111"
    text = "不对，名字打错了，是李敏"
    result, said = await run_validate("registration_ok", False, domain, slots=details, text=text, intent="deny")
    assert result == {"patient_name": "李敏", "registration_ok": None} and said == ["utter_name_corrected"]
    result, said = await run_validate("registration_ok", False, domain, slots=details, text="身份证号错了")
    assert result == {"id_number": None, "registration_ok": None} and said == ["utter_go_back"]
    result, said = await run_validate("registration_ok", False, domain, slots=details, text="不对")
    assert result == {"patient_name": None, "id_number": None, "phone": None, "registration_ok": None}
    assert said == ["utter_registration_redo"]
    assert not [r for r in hospital.requests if r["path"] == "/api/v1/patients"]
    # a new answer to any of the three asks for the read-back again
    result, _ = await run_validate("patient_name", "李敏", domain, text="李敏")
    assert result == {"patient_name": "李敏", "registration_ok": None}
