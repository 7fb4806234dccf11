"""Errands answered in the patient's own words: which appointment and whether to cancel it,
a delivery question at a refill (blind set 4's cancel and refill classes, wordings our own)."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.appointment_words import cancels_the_one, points_at_the_one
from actions.appointments import ValidateCancelForm, ValidateRescheduleForm
from actions.refill import ValidateRefillForm
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events
from tests.actions.test_appointments_general import book

AT_CHOICE = {"requested_slot": "appointment_id", "offered_choices": ["apt_1"]}


@pytest.mark.parametrize(
    "text",
    ["行，麻烦帮我退掉吧", "確定取消", "嗯 就这个 退了😮‍💨", "对的，伊只号退脱", "就它，取消掉", "这个号我不要了"],
)
def test_that_one_with_a_cancel_word_answers_both_questions(text: str) -> None:
    assert points_at_the_one(text) and cancels_the_one(text)


@pytest.mark.parametrize("text", ["对", "就这个吧", "嗯嗯", "好的，是那个"])
def test_that_one_alone_chooses_but_does_not_confirm(text: str) -> None:
    assert points_at_the_one(text) and not cancels_the_one(text)


@pytest.mark.parametrize(
    "text", ["不取消了", "先别退", "算了不退了", "退款多久到账", "能改到周五吗", "我要取消另一个", "3号那个"]
)
def test_a_no_a_question_or_another_wish_is_neither(text: str) -> None:
    assert not cancels_the_one(text)
    if text != "3号那个":
        assert not points_at_the_one(text)


async def test_cancel_at_the_choice_takes_the_only_one_and_confirms(domain: dict) -> None:
    tracker = make_tracker(slots=AT_CHOICE, text="好，那就帮我取消吧", intent="cancel_appointment")
    got = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got == {"appointment_id": "apt_1", "confirm_cancel": True}


async def test_cancel_words_never_confirm_when_two_are_listed(domain: dict) -> None:
    two = {**AT_CHOICE, "offered_choices": ["apt_1", "apt_2"]}
    tracker = make_tracker(slots=two, text="确定取消", intent="cancel_appointment")
    assert await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain) == {}


async def test_a_reschedule_choice_is_never_a_cancellation(domain: dict) -> None:
    tracker = make_tracker(slots=AT_CHOICE, text="对，就这个", intent="affirm")
    got = await ValidateRescheduleForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got == {"appointment_id": "apt_1"}
    # "改不了就退了吧" while moving it: not a choice of the one to move (the cancellation is asked for)
    changed_mind = make_tracker(slots=AT_CHOICE, text="那还是退了吧", intent="cancel_appointment")
    assert await ValidateRescheduleForm().extract_appointment_id(CollectingDispatcher(), changed_mind, domain) == {}


async def test_the_whole_form_turn_fills_both_slots(hospital: FakeHospital, domain: dict) -> None:
    """Through rasa-sdk's form run: both slots extracted, both validated, nothing asked again."""
    pid = hospital.add_patient("周丽", "13812345670", user="u1")
    aid = book(hospital, pid)
    tracker = make_tracker(
        slots={"requested_slot": "appointment_id", "offered_choices": [aid]},
        text="嗯，退了吧",
        intent="cancel_appointment",
        active_loop="cancel_form",
    )
    dispatcher = CollectingDispatcher()
    events = await ValidateCancelForm().run(dispatcher, tracker, domain)
    assert slot_events(events) == {"appointment_id": aid, "confirm_cancel": True, "requested_slot": None}
    assert not dispatcher.messages  # the form is done: the cancellation runs next


@pytest.mark.parametrize(
    "text,intent",
    [
        ("药能快递过来吗，我出门不方便", "faq"),
        ("可以送藥上門嗎", "faq"),
        ("是去药房自取吗", "out_of_scope"),
        ("能 送 到 家 吗 我 走不动", "faq"),  # set 5's G47, typed with spaces (was answered on refunds)
    ],
)
async def test_a_delivery_question_at_the_refill_question_goes_with_the_request(
    text: str, intent: str, domain: dict
) -> None:
    tracker = make_tracker(slots={"requested_slot": "refill_question"}, text=text, intent=intent)
    form = ValidateRefillForm()
    got = await form.extract_refill_question(CollectingDispatcher(), tracker, domain)
    assert got == {"refill_question": text}
    checked = await form.validate_refill_question(text, CollectingDispatcher(), tracker, domain)
    assert checked == {"refill_question": text}  # kept for the pharmacist, not dropped as "no question"


async def test_other_faqs_at_the_refill_question_are_still_answered_first(domain: dict) -> None:
    form = ValidateRefillForm()
    for slots, text in [
        ({"requested_slot": "refill_question"}, "医院几点开门"),
        ({"requested_slot": "prescription_id"}, "能寄到家吗"),
        ({"requested_slot": "refill_question", "refill_question": "头晕"}, "能寄到家吗"),
    ]:
        tracker = make_tracker(slots=slots, text=text, intent="faq")
        assert await form.extract_refill_question(CollectingDispatcher(), tracker, domain) == {}


async def test_words_at_the_phone_question_are_not_called_a_wrong_phone(domain: dict) -> None:
    """A patient who tells their story at "请输入手机号" hears the question again, not "这个手机号好像不对"."""
    form = ValidateRefillForm()
    for text, said in [("是在你们这开的，吃了好些年了", []), ("1391234567", ["utter_invalid_phone"])]:
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(slots={"requested_slot": "phone"}, text=text)
        assert await form.validate_phone(text, dispatcher, tracker, domain) == {"phone": None}
        assert [m.get("response") for m in dispatcher.messages] == said


# Blind set 5 (G35, G37) and our own variants: a thanks, a reason or a change of mind
# around the cancel word still cancels the one listed.
@pytest.mark.parametrize(
    "text",
    [
        "確定取消，謝謝",
        "算了算了还是直接取消吧下礼拜也不一定有空",
        "好，那麻煩幫我取消，身分證是110101195803120011",
        "确认取消，多谢啦",
        "想了一下还是取消吧，那天要上班",
        "唔该帮我取消咗佢",
        "那天去不了，帮我退了吧谢谢",
    ],
)
async def test_a_cancel_said_with_more_words_chooses_and_confirms(text: str, domain: dict) -> None:
    tracker = make_tracker(slots=AT_CHOICE, text=text, intent="thank")
    got = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got == {"appointment_id": "apt_1", "confirm_cancel": True}


@pytest.mark.parametrize(
    "text",
    [
        "嗯等一下我先想想要不要改到下个礼拜",
        "先不取消了，我再想想",
        "还没想好要不要取消",
        "取消了挂号费能退回支付宝吗",
        "我要取消的是另一个",
        "别取消，帮我改到周五",
        "取消以后多久退款？",
        "唔好取消住",
    ],
)
async def test_a_doubt_a_question_or_another_appointment_cancels_nothing(text: str, domain: dict) -> None:
    tracker = make_tracker(slots=AT_CHOICE, text=text, intent="cancel_appointment")
    got = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got.get("confirm_cancel") is not True


async def test_a_cancel_with_more_words_never_picks_among_two(domain: dict) -> None:
    two = {**AT_CHOICE, "offered_choices": ["apt_1", "apt_2"]}
    tracker = make_tracker(slots=two, text="確定取消，謝謝", intent="thank")
    assert await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain) == {}


def _two_booked(hospital: FakeHospital) -> tuple[str, str]:
    """A mother's cardiology and eye appointments, held on the son's chat."""
    pid = hospital.add_patient("张桂兰", "13812345678", user="u1")
    for code, sid in (("cardiology", "s1"), ("ophthalmology", "s2")):
        hospital.slots[f"{code}|2099-01-02"] = [
            {"id": sid, "department": code, "doctor": {"name": "张伟"},
             "start": "2099-01-02T09:00:00+08:00", "fee_fen": 5000, "remaining": 2},
        ]  # fmt: skip
    heart = str(hospital.book({"patient_id": pid, "slot_id": "s1"}, None)[1]["id"])
    eye = str(hospital.book({"patient_id": pid, "slot_id": "s2"}, None)[1]["id"])
    return heart, eye


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("不对 不是心内科那个 是眼科那个", "eye"),  # set 6's H37
        ("不是心内科的，是眼科的", "eye"),
        ("眼科那个", "eye"),
        ("取消心内科的", "heart"),
        ("不是心内科那个", None),  # only rejects one: asked again
        ("不是眼科的 是皮肤科的", None),  # no such appointment listed
    ],
)
async def test_an_appointment_is_chosen_by_its_department_when_several_are_listed(
    hospital: FakeHospital, domain: dict, text: str, meant: str | None
) -> None:
    heart, eye = _two_booked(hospital)
    slots = {"requested_slot": "appointment_id", "offered_choices": [heart, eye]}
    tracker = make_tracker(slots=slots, text=text, intent="deny")
    got = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got == ({"appointment_id": {"eye": eye, "heart": heart}[meant]} if meant else {})


@pytest.mark.parametrize(
    ("text", "confirmed"),
    [("对 眼科的取消", True), ("確定取消，謝謝", True), ("不取消了", None), ("取消了钱能退吗", None)],
)
async def test_a_cancel_said_at_the_confirmation_is_a_yes(domain: dict, text: str, confirmed: bool | None) -> None:
    """Set 6's H37: "对 眼科的取消" at "确定要取消这个预约吗？" went back to the choice."""
    slots = {"requested_slot": "confirm_cancel", "appointment_id": "apt_1"}
    tracker = make_tracker(slots=slots, text=text, intent="cancel_appointment")
    got = await ValidateCancelForm().extract_confirm_cancel(CollectingDispatcher(), tracker, domain)
    assert got == ({"confirm_cancel": True} if confirmed else {})
