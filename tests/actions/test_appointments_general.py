"""My appointments, hand-off, reset, and that every domain action is served."""

from __future__ import annotations

from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.appointments import (
    ActionCancelAppointment,
    ActionPrepareReschedule,
    ActionQueryAppointments,
    ValidateCancelForm,
)
from actions.general import ActionHandoff, ActionPaymentHelp, ActionResetJourney
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events


def book(hospital: FakeHospital, pid: str) -> str:
    hospital.slots["cardiology|2099-01-02"] = [
        {
            "id": "s1",
            "department": "cardiology",
            "doctor": {"name": "张伟"},
            "start": "2099-01-02T09:00:00+08:00",
            "fee_fen": 5000,
            "remaining": 2,
        },
    ]
    return str(hospital.book({"patient_id": pid, "slot_id": "s1"}, None)[1]["id"])


async def test_lists_only_the_accounts_patients(hospital: FakeHospital, domain: dict) -> None:
    mine = hospital.add_patient("李秀英", "13812345678", user="u1")
    other = hospital.add_patient("别人", "13900001111", user="u2")
    book(hospital, mine)
    book(hospital, other)
    dispatcher = CollectingDispatcher()
    events = await ActionQueryAppointments().run(dispatcher, make_tracker(sender="u1"), domain)
    assert responses(dispatcher) == ["utter_appointment_item", "utter_appointments_actions"]
    item = dispatcher.messages[0]
    assert item["patient_name"] == "李*英" and item["status_text"].startswith("待支付，请在")  # masked
    # A held visit offers 去支付 as a link to its pay page, not a choice to send back.
    assert item["buttons"] == [{"title": "去支付", "url": item["buttons"][0]["url"]}]
    assert item["buttons"][0]["url"].startswith("http://hospital.local/p/")
    assert len(slot_events(events)["offered_choices"]) == 1


async def test_no_appointments(hospital: FakeHospital, domain: dict) -> None:
    hospital.add_patient("李秀英", "13812345678", user="u1")  # a chat with nobody is asked its phone first
    dispatcher = CollectingDispatcher()
    await ActionQueryAppointments().run(dispatcher, make_tracker(), domain)
    assert responses(dispatcher) == ["utter_no_appointments"]


async def test_a_lapsed_hold_is_reported_released_with_a_rebook_of_the_same_doctor(
    hospital: FakeHospital, domain: dict
) -> None:
    pid = hospital.add_patient("李秀英", "13812345678")
    aid = book(hospital, pid)
    hospital.appointments[aid].update(status="expired", place_left=True)
    dispatcher = CollectingDispatcher()
    await ActionQueryAppointments().run(dispatcher, make_tracker(), domain)
    assert responses(dispatcher) == ["utter_appointment_released"]  # not "没有查到您的预约"
    rebook, no = dispatcher.messages[0]["buttons"]
    assert rebook["title"] == "1 重新预约这位医生" and no["payload"] == "/deny"
    assert rebook["payload"].startswith("/book_appointment{")
    for entity in ('"doctor": "张伟"', f'"patient_id": "{pid}"', '"date": "2099-01-02"', '"department": "cardiology"'):
        assert entity in rebook["payload"]


async def test_a_lapsed_hold_without_places_and_beside_a_live_visit_has_no_rebook(
    hospital: FakeHospital, domain: dict
) -> None:
    pid = hospital.add_patient("李秀英", "13812345678")
    lapsed = book(hospital, pid)
    hospital.appointments[lapsed].update(status="expired", place_left=False, doctor={"id": "d9", "name": "王芳"})
    book(hospital, pid)
    dispatcher = CollectingDispatcher()
    await ActionQueryAppointments().run(dispatcher, make_tracker(), domain)
    assert responses(dispatcher) == [
        "utter_appointment_released_full",
        "utter_appointment_item",
        "utter_appointments_actions",
    ]
    assert not dispatcher.messages[0].get("buttons")


async def test_cancel_needs_confirmation(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李秀英", "13812345678")
    aid = book(hospital, pid)
    dispatcher = CollectingDispatcher()
    await ActionCancelAppointment().run(
        dispatcher, make_tracker(slots={"appointment_id": aid, "confirm_cancel": False}), domain
    )
    assert responses(dispatcher) == ["utter_cancel_kept"] and hospital.appointments[aid]["status"] == "held"
    dispatcher = CollectingDispatcher()
    await ActionCancelAppointment().run(
        dispatcher, make_tracker(slots={"appointment_id": aid, "confirm_cancel": True}), domain
    )
    assert responses(dispatcher) == ["utter_cancelled"] and hospital.appointments[aid]["status"] == "cancelled"


async def test_cancelling_a_paid_visit_says_the_refund_and_when(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李秀英", "13812345678")
    aid = book(hospital, pid)
    hospital.appointments[aid].update(status="confirmed", payment={"amount_fen": 5000, "status": "paid"})
    dispatcher = CollectingDispatcher()
    await ActionCancelAppointment().run(
        dispatcher, make_tracker(slots={"appointment_id": aid, "confirm_cancel": True}), domain
    )
    assert responses(dispatcher) == ["utter_cancelled_refund"]
    assert dispatcher.messages[0]["amount_yuan"] == "50" and dispatcher.messages[0]["refund_days"] == "7"


def test_only_the_paid_cancellation_speaks_of_money_going_back(domain: dict) -> None:
    said = {name: domain["responses"][name][0]["text"] for name in ("utter_cancelled", "utter_cancelled_refund")}
    assert "退回" not in said["utter_cancelled"] and "不会扣费" in said["utter_cancelled"]
    assert "原路退回" in said["utter_cancelled_refund"] and "{refund_days} 个工作日" in said["utter_cancelled_refund"]


async def test_cancel_form_ends_when_nothing_to_cancel(hospital: FakeHospital, domain: dict) -> None:
    hospital.add_patient("李秀英", "13812345678", user="u1")  # a chat with nobody is asked its phone first
    dispatcher = CollectingDispatcher()
    slots = domain["forms"]["cancel_form"]["required_slots"]
    assert await ValidateCancelForm().required_slots(slots, dispatcher, make_tracker(), domain) == []
    # rasa-sdk calls required_slots several times a turn: nothing is said there;
    # the submit action hands over to the appointment list, which says it once
    assert responses(dispatcher) == []
    events = await ActionCancelAppointment().run(dispatcher, make_tracker(), domain)
    assert responses(dispatcher) == []
    assert {"event": "followup", "name": "action_query_appointments"}.items() <= events[-1].items()


async def test_nothing_to_reschedule_lists_instead_of_booking(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionPrepareReschedule().run(dispatcher, make_tracker(), domain)
    assert responses(dispatcher) == []
    assert [e["name"] for e in events if e.get("event") == "followup"] == ["action_query_appointments"]


async def test_prepare_reschedule_keeps_patient_and_department(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李秀英", "13812345678")
    aid = book(hospital, pid)
    events = await ActionPrepareReschedule().run(
        CollectingDispatcher(), make_tracker(slots={"appointment_id": aid}), domain
    )
    slots = slot_events(events)
    assert slots["reschedule_from"] == aid and slots["patient_id"] == pid and slots["department"] == "cardiology"


async def test_payment_help_resends_the_pay_link(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李秀英", "13812345678")
    book(hospital, pid)
    dispatcher = CollectingDispatcher()
    await ActionPaymentHelp().run(dispatcher, make_tracker(), domain)
    assert responses(dispatcher) == ["utter_booking_held"]


async def test_paid_says_the_platform_then_confirms(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李秀英", "13812345678")
    aid = book(hospital, pid)
    hospital.paid_at_platform.add(aid)
    dispatcher = CollectingDispatcher()
    await ActionPaymentHelp().run(dispatcher, make_tracker(text="我付过了", intent="pay"), domain)
    assert responses(dispatcher) == ["utter_booking_confirmed"]
    assert any(r["path"].endswith(f"/appointments/{aid}/payment/check") for r in hospital.requests)
    assert hospital.appointments[aid]["status"] == "confirmed"


async def test_not_paid_at_the_platform_gets_the_link_and_time_left(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李秀英", "13812345678")
    aid = book(hospital, pid)
    dispatcher = CollectingDispatcher()
    await ActionPaymentHelp().run(dispatcher, make_tracker(text="我付过了", intent="pay"), domain)
    assert responses(dispatcher) == ["utter_booking_held"]
    assert dispatcher.messages[0]["pay_url"].startswith("http://hospital.local/p/")
    assert int(dispatcher.messages[0]["hold_minutes"]) > 0
    assert any(r["path"].endswith(f"/appointments/{aid}/payment/check") for r in hospital.requests)


REFILL_FEE = {
    "refill_id": "rfl_1",
    "amount_fen": 5700,
    "drugs": "苯磺酸氨氯地平片 ×2",
    "pay_link": "http://h.local/p/abc",
}


async def test_paying_a_refill_gets_its_drugs_amount_and_link(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李秀英", "13812345678")
    hospital.payable[pid] = [REFILL_FEE]
    dispatcher = CollectingDispatcher()
    await ActionPaymentHelp().run(dispatcher, make_tracker(text="支付续方", intent="pay"), domain)
    assert responses(dispatcher) == ["utter_refill_pay"]
    said = dispatcher.messages[0]
    assert (said["drugs"], said["amount_yuan"], said["pay_url"]) == (
        "苯磺酸氨氯地平片 ×2",
        "57",
        REFILL_FEE["pay_link"],
    )


async def test_a_refill_asked_for_by_name_comes_before_a_held_visit(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李秀英", "13812345678")
    book(hospital, pid)
    hospital.payable[pid] = [REFILL_FEE]
    dispatcher = CollectingDispatcher()
    await ActionPaymentHelp().run(dispatcher, make_tracker(text="我要付续方的药费", intent="pay"), domain)
    assert responses(dispatcher) == ["utter_refill_pay"]
    dispatcher = CollectingDispatcher()
    await ActionPaymentHelp().run(dispatcher, make_tracker(text="付款链接呢", intent="pay"), domain)
    assert responses(dispatcher) == ["utter_booking_held"]  # otherwise the held visit first


async def test_a_refill_the_pharmacist_has_not_approved_is_said_to_be_waiting(
    hospital: FakeHospital, domain: dict
) -> None:
    pid = hospital.add_patient("李秀英", "13812345678")
    waiting = {**REFILL_FEE, "refill_id": "rfl_2", "status": "signed", "pay_link": None, "waiting_for": "pharmacist"}
    hospital.payable[pid] = [waiting]
    dispatcher = CollectingDispatcher()
    await ActionPaymentHelp().run(dispatcher, make_tracker(text="支付续方", intent="pay"), domain)
    assert responses(dispatcher) == ["utter_refill_waiting_pharmacist"]  # no link: nothing to pay yet
    assert dispatcher.messages[0]["drugs"] == "苯磺酸氨氯地平片 ×2" and "pay_url" not in dispatcher.messages[0]
    hospital.payable[pid] = [waiting, REFILL_FEE]  # another refill already approved: its link as well
    dispatcher = CollectingDispatcher()
    await ActionPaymentHelp().run(dispatcher, make_tracker(text="支付续方", intent="pay"), domain)
    assert responses(dispatcher) == ["utter_refill_waiting_pharmacist", "utter_refill_pay"]


async def test_nothing_to_pay_explains_how_paying_works(hospital: FakeHospital, domain: dict) -> None:
    hospital.add_patient("李秀英", "13812345678")
    dispatcher = CollectingDispatcher()
    await ActionPaymentHelp().run(dispatcher, make_tracker(text="支付续方", intent="pay"), domain)
    assert responses(dispatcher) == ["utter_pay_help"]


async def test_handoff_opens_a_ticket_and_marks_the_conversation(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(dispatcher, make_tracker(), domain)
    assert hospital.handoffs == [{"conversation_id": "web:u1", "reason": "asked_for_human"}]
    assert responses(dispatcher) == ["utter_handoff"]
    assert dispatcher.messages[1]["custom"]["handoff"] is True
    assert slot_events(events) == {"handoff": True}


async def test_reset_keeps_entities_of_the_new_request(domain: dict) -> None:
    tracker = make_tracker(
        slots={"department": "cardiology", "slot_id": "s1", "otp_token": "t"},
        entities=[{"entity": "department", "value": "cardiology"}],
    )
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events) == {"slot_id": None, "otp_token": None}


async def test_reset_keeps_an_emergency_but_clears_milder_levels(domain: dict) -> None:
    tracker = make_tracker(slots={"triage_level": "emergency", "symptom": "胸痛", "sold_out": True})
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events) == {"symptom": None, "sold_out": None}
    tracker = make_tracker(slots={"triage_level": "routine"})
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events) == {"triage_level": None}


def test_every_custom_action_in_the_domain_is_registered(domain: dict) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    served = set(executor.actions)
    wanted = set(domain["actions"])
    assert wanted <= served, wanted - served


MENU_EVENTS = [
    {"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet"}}},
    {
        "event": "bot",
        "text": "您好！",
        "data": {
            "buttons": [
                {"title": "1 自诊", "payload": "/report_symptom"},
                {"title": "2 预约挂号", "payload": "/book_appointment"},
            ]
        },
    },
]


async def test_number_replays_the_button_as_the_patients_message(domain: dict) -> None:
    from actions.general import ActionMenuChoice

    tracker = make_tracker(text="2", events=MENU_EVENTS, slots={"slot_id": "old"})
    events = await ActionMenuChoice().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events) == {"slot_id": None}  # a fresh journey
    assert events[-1] == {"event": "followup", "name": "booking_form", "timestamp": None}


async def test_department_alone_starts_a_booking(hospital: FakeHospital, domain: dict) -> None:
    from actions.general import ActionMenuChoice

    tracker = make_tracker(text="心内科", entities=[{"entity": "department", "value": "cardiology"}])
    events = await ActionMenuChoice().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events) == {"department": "cardiology"}
    assert events[-1]["name"] == "booking_form"


async def test_number_answers_yes_no_by_context(domain: dict) -> None:
    from actions.general import ActionMenuChoice

    offer = [
        {"event": "user", "text": "头疼", "parse_data": {"intent": {"name": "report_symptom"}}},
        {
            "event": "bot",
            "text": "要我帮您预约心血管内科吗？",
            "data": {"buttons": [{"title": "1 好", "payload": "/affirm"}, {"title": "2 不用", "payload": "/deny"}]},
            "metadata": {"utter_action": "utter_triage_offer_booking"},
        },
    ]
    tracker = make_tracker(text="1", events=offer, slots={"department": "cardiology"})
    events = await ActionMenuChoice().run(CollectingDispatcher(), tracker, domain)
    assert events == [{"event": "followup", "name": "booking_form", "timestamp": None}]
    tracker = make_tracker(text="2", events=offer)
    events = await ActionMenuChoice().run(CollectingDispatcher(), tracker, domain)
    assert events[-1]["name"] == "utter_anything_else"


async def test_unknown_bare_answer_gets_the_menu(domain: dict) -> None:
    from actions.general import ActionMenuChoice

    dispatcher = CollectingDispatcher()
    assert await ActionMenuChoice().run(dispatcher, make_tracker(text="7", events=MENU_EVENTS), domain) == []
    assert responses(dispatcher) == ["utter_default"]


async def test_numbered_yes_no_confirms_cancel(domain: dict) -> None:
    form = ValidateCancelForm()
    tracker = make_tracker(text="1")
    assert await form.validate_confirm_cancel("1", CollectingDispatcher(), tracker, domain) == {"confirm_cancel": True}
    assert await form.validate_confirm_cancel("2", CollectingDispatcher(), tracker, domain) == {"confirm_cancel": False}
    assert await form.validate_confirm_cancel(True, CollectingDispatcher(), tracker, domain) == {"confirm_cancel": True}
    dispatcher = CollectingDispatcher()
    assert await form.validate_confirm_cancel("9", dispatcher, tracker, domain) == {"confirm_cancel": None}
    assert responses(dispatcher) == ["utter_invalid_choice"]
