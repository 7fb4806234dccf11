"""Refill requests: follow-ups only (no first visit online), for a
prescription the hospital already issued; the patient's questions go to the
reviewing doctor with the request."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common, identify, refill_list
from actions.base import HospitalAction, PatientFormValidation, yes_no
from actions.numbers import parse_choice
from actions.only_patient import OnlyPatient
from actions.refill_choice import read_list_answer
from actions.refill_words import JOURNEY_INTENT, journey_texts, known_drugs, named_prescriptions
from actions.simplified import simplified
from integrations.hospital import Conflict, HospitalError, InvalidInput
from shared_rules import PLACEHOLDER_IN_TEXT, find_placeholder

NO_QUESTION = ("没有", "没", "无", "不用", "没了", "没问题", "没有了")
# "确认", "行，就这么着", a tapped "1" or the phone typed again at "有没有想问医生的？": no question
# for the doctor (blind set 3: E46-E48 answered so, and their answer went to the doctor as one).
# "是", "行，就这么着", "确认" when one prescription is offered: that one.
THAT_ONE = re.compile(
    r"(是|是的|对|对的|好|好的|行|可以|确认|确定|嗯+|就这个|这个|就这么着|就这样|要|续开|续)[的了吧啊呀啦嘞哈]*"
)
NOT_A_QUESTION = re.compile(
    r"(?:(?:没有?|无|不用|没了|没问题|没啥|没什么|确认|确定|行|好|好的|可以|是|是的|对|嗯+|就这么着|就这样|提交|"
    r"谢谢|\d{1,2}|1[3-9]\d{9}|\d{6})[的了吧啊呀啦嘞哈]*)+"
)

REMARK_KEPT = "好的，这个我记下了，会和续方申请一起转给审核的医生。"
REMARK_GOES_WITH = "您前面说的情况已经记下，和这张处方的续方申请一起提交给审核的医生。"

# How the drugs reach the patient: asked at the refill question, answered by the submission.
DELIVERY = re.compile(r"寄|快递|邮|配送|送(到|药|过来|上门|家)|到家|上门|取药|拿药|领药|自取|药房")


def prescription_label(rx: Dict[str, Any]) -> str:
    drugs = [str(i.get("drug") or i.get("name")) for i in rx.get("items", []) or [] if isinstance(i, dict)]
    parts = [str(rx.get("diagnosis") or ""), "、".join(d for d in drugs if d), str(rx.get("issued_on") or "")]
    return " ".join(p for p in parts if p) or str(rx.get("id"))


class ValidateRefillForm(OnlyPatient, identify.PhoneIdentification, PatientFormValidation):
    identify_purpose = "refill"

    def name(self) -> Text:
        return "validate_refill_form"

    def more_required(self, slots: List[Text], tracker: Tracker) -> List[Text]:
        slots = identify.with_identification(slots, tracker)
        if tracker.get_slot("refill_followup") is False and "refill_followup" in slots:  # first visit: stop here
            return slots[: slots.index("refill_followup") + 1]
        return slots

    async def validate_refill_followup(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        answer = yes_no(value)
        if answer is None:
            dispatcher.utter_message(response="utter_invalid_choice")
        elif answer is False:
            dispatcher.utter_message(response="utter_refill_first_visit")
        return {"refill_followup": answer}

    async def extract_prescription_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """ "是" / "行，就这么着" / "确认" when one prescription was offered: that one. Words that
        point at one of several ("我要降血脂那个", "上个月心内科开的那张", set 17's N38 and N53):
        that one, whatever the NLU read; pointing at none or several, a yes, or the refill asked
        for again: the list again, the form kept (the NLU's new complaint or menu does not take
        the turn). Anything else may be a remark for the doctor."""
        offered = tracker.get_slot("offered_choices") or []
        if tracker.get_slot("requested_slot") != "prescription_id" or tracker.get_slot("prescription_id"):
            return {}
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        text = common.latest_text(tracker)
        said = [p for p in re.split(r"[，,。.！!\s]+", simplified(text)) if p]
        if len(offered) == 1 and (intent == "affirm" or (said and all(THAT_ONE.fullmatch(p) for p in said))):
            asked = asked_not_on_file(tracker)
            only = refill_list.offered_prescriptions(tracker.get_slot("patient_id"), offered) if asked else []
            if asked and only and not refill_list.same_clinic(only[0], asked):
                # "對 就是這個" to amlodipine after 優甲樂 was not found (set 17's N08, N31 fresh): a
                # yes is no choice of another illness's drug; it is said, and the list asked again
                dispatcher.utter_message(
                    text=refill_list.NOT_THIS_ONE.format(label=prescription_label(only[0]), drug=asked)
                )
                return KEEP_THE_LIST
            return {"prescription_id": offered[0]}
        if text.startswith("/") or _NEW_ERRAND.search(simplified(text)) or intent in LEAVES_THE_LIST:
            return {}
        listed = refill_list.offered_prescriptions(tracker.get_slot("patient_id"), offered)
        answer = read_list_answer(text, listed, refill_list.today())
        if answer.chosen is not None:
            return chose(dispatcher, tracker, answer.chosen)
        if intent == "deny":  # "不是这个" choosing none: the rule that stops the refill takes it
            return {}
        if answer.pointed:  # several fit, or none: the list again (a drug not on file is said there)
            if len(answer.fits) > 1:
                dispatcher.utter_message(text=refill_list.SEVERAL_FIT.format(n=len(answer.fits)))
            elif not asked_not_on_file(tracker):
                dispatcher.utter_message(text=refill_list.NONE_FITS)
            return KEEP_THE_LIST
        if len(offered) > 1 and (intent in ("affirm", JOURNEY_INTENT) or just_yes(text)):
            if not refill_list.said_in_journey(tracker, refill_list.NOT_FOUND_MARK):
                dispatcher.utter_message(text=refill_list.WHICH_ONE.format(n=len(offered)))
            return KEEP_THE_LIST
        remark = remark_for_doctor(tracker)
        if remark:
            dispatcher.utter_message(text=REMARK_KEPT)
        return remark

    async def validate_prescription_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        offered = tracker.get_slot("offered_choices") or []
        value = str(value or "").strip()
        if not value:  # KEEP_THE_LIST: nothing chosen yet, the list is asked again without a word
            return {"prescription_id": None}
        if value in offered:
            return {"prescription_id": value}
        choice = parse_choice(value)
        if choice is not None and 0 < choice <= len(offered):
            return {"prescription_id": offered[choice - 1]}
        drug = asked_not_on_file(tracker) if choice is not None and choice > len(offered) else None
        if choice is not None and drug and 0 <= choice - len(offered) - 1 < 2:  # "4": a visit or a person
            offer = refill_list.elsewhere(drug, journey_texts(tracker))
            dispatcher.utter_message(text=refill_list.extra_typed(offer, choice - len(offered) - 1))
            return {"prescription_id": None}
        dispatcher.utter_message(response="utter_invalid_choice")
        return {"prescription_id": None}

    async def extract_refill_question(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """ "能给寄到家吗" / "送到家裡" at "有没有想问医生的？": how the drugs reach the patient is
        answered when the request is submitted ("到院取药或送药上门"), so the question goes
        with it instead of being read as a FAQ (set 4's refills were re-asked until the end)."""
        if tracker.get_slot("requested_slot") == "phone" and tracker.get_slot("refill_question") is None:
            # "吃了三年了 上趟抽血医生讲指标蛮好" at the phone question: kept for the reviewing doctor and
            # said so, before the phone is asked again (set 7's I22 heard the question again, no word)
            remark = remark_for_doctor(tracker)
            if remark:
                dispatcher.utter_message(text=REMARK_KEPT)
            return remark
        if tracker.get_slot("requested_slot") != "refill_question" or tracker.get_slot("refill_question") is not None:
            return {}
        said = common.latest_text(tracker)
        # "能 送 到 家 吗 我 走不动" (set 5's G47, typed slowly): the spaces hide no word
        if said.startswith("/") or not DELIVERY.search(re.sub(r"\s+", "", simplified(said))):
            return {}
        return {"refill_question": said}

    async def validate_refill_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "").strip()
        return {"refill_question": "" if no_question(text) else text[:500]}


# The list kept for another turn: only a required slot set keeps a form from handing the turn
# to the NLU's intent (rasa-sdk drops other slots), so the empty choice is set again.
KEEP_THE_LIST: Dict[Text, Any] = {"prescription_id": None}

# Intents that leave the list for another errand (their rules take the turn); a "no" that
# names the other one ("不是降压那个 是降脂那个") still chooses.
LEAVES_THE_LIST = frozenset(
    {"faq", "request_human", "goodbye", "go_back", "query_result", "cancel_appointment", "pay"}
    | {"reschedule_appointment", "query_appointment"}
)


def chose(dispatcher: CollectingDispatcher, tracker: Tracker, rx: Dict[str, Any]) -> Dict[Text, Any]:
    """The prescription pointed at in words: said back, with the drug asked for first when it
    is not on it; a remark kept before goes with it (the question for the doctor is then not
    asked again)."""
    dispatcher.utter_message(text=refill_list.CHOSEN.format(label=prescription_label(rx)))
    texts = journey_texts(tracker)
    listed = common.backend().prescriptions(str(tracker.get_slot("patient_id")))
    named = named_prescriptions(listed, tracker.get_slot("drug"), texts)
    chosen_id = str(rx.get("id"))
    asked = named.said if all(str(m.get("id")) != chosen_id for m in named.matches) else None
    missing = refill_list.not_on_it(rx, asked, texts)
    if missing:
        dispatcher.utter_message(text=missing)
    if tracker.get_slot("refill_question"):
        dispatcher.utter_message(text=REMARK_GOES_WITH)
    return {"prescription_id": str(rx["id"])}


# "對 就是這個", "是咯", "嗯 对的": a yes that names no prescription
_YES_WORDS = re.compile(r"是的|对的|没错|冇错|就是|就|是|对|嗯|好|行|系|这个|这张|那个|那张|[咯啰啦啊呀吧嘞哈了的]")


def just_yes(text: str) -> bool:
    plain = re.sub(r"[，,。.！!？?\s～~]+", "", simplified(text))
    return bool(plain) and not _YES_WORDS.sub("", plain)


def asked_not_on_file(tracker: Tracker) -> Optional[str]:
    """The drug the patient asked for when no prescription that can be renewed has it."""
    patient_id = tracker.get_slot("patient_id")
    listed = common.backend().prescriptions(patient_id) if patient_id else []
    named = named_prescriptions(listed, tracker.get_slot("drug"), journey_texts(tracker))
    return named.said if named.said and not [rx for rx in named.matches if rx.get("eligible", True)] else None


# Intents a remark about one's health is read as: "上個月複查過甲功，醫生說正常" is no
# booking (复查 reads as one) and no new complaint to triage.
REMARK_READ_AS = frozenset({"book_appointment", "report_symptom", "inform", "nlu_fallback", "out_of_scope"})
_NEW_ERRAND = re.compile(r"挂号|挂个|挂一个|预约|约个号|不续|不开了|算了|取消")


def remark_for_doctor(tracker: Tracker) -> Dict[Text, Any]:
    """A remark at "要续开哪一张处方？" (how the last check went, how the patient is) is kept
    for the reviewing doctor, and the question is asked again: set 4's F48 said "上個月複查
    過甲功，醫生說正常" there, the NLU read a booking and the refill was left for "您想挂哪个
    科？". A choice, a number, a drug named, a new errand in words or a remark already kept
    is none."""
    text = common.latest_text(tracker).strip()
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    kept = tracker.get_slot("refill_question")
    if intent not in REMARK_READ_AS or kept == "" or text.startswith("/"):
        return {}
    if PLACEHOLDER_IN_TEXT.search(text):  # "他本人在旁边 手机是…" (set 17's N53): the phone, not a remark
        return {}
    plain = simplified(text)
    # a number typed as the phone or a choice is no remark; a reading said of one's health is
    # ("血压最近130多/80多 没有不舒服", set 10's L30: it was taken for a wrong phone, and the
    # question for the doctor then asked after the code went unanswered)
    typed_number = re.search(r"\d{5,}", plain) or re.fullmatch(r"[\d\s\-+]+", plain)
    if len(plain) < 4 or typed_number or _NEW_ERRAND.search(plain) or parse_choice(plain) is not None:
        return {}
    if any(drug in plain for drug in known_drugs()):  # "我要的是胰岛素": which drug, not a remark
        return {}
    if kept:  # a second remark ("他最近没胸痛 挺好的" at the list, set 17's N53) joins the first
        return {} if text in kept else {"refill_question": f"{kept}；{text}"[:500]}
    return {"refill_question": text[:500]}


def no_question(text: str) -> bool:
    """Nothing to ask the doctor: "没有", a button, a yes, a number, the phone or code again."""
    if text in NO_QUESTION or text.startswith("/") or find_placeholder(text, "phone") or find_placeholder(text, "code"):
        return True
    parts = [p for p in re.split(r"[，,。.！!？?\s～~]+", simplified(text)) if p]
    return bool(parts) and all(NOT_A_QUESTION.fullmatch(p) for p in parts)


def ask_prescription(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Which prescription: the one the patient's words point at, the only one on file when
    they named none, else buttons (also for one, when the drug they named is not on file)."""
    patient_id = tracker.get_slot("patient_id")
    listed = common.backend().prescriptions(patient_id) if patient_id else []
    prescriptions = [rx for rx in listed if rx.get("eligible", True)]
    named = named_prescriptions(listed, tracker.get_slot("drug"), journey_texts(tracker))
    fits = [rx for rx in named.matches if rx.get("eligible", True)]
    pending = [rx for rx in (named.matches if named.matches else listed) if rx.get("open_refill_id")]
    if pending and not fits and (named.matches or not prescriptions):
        # asked already: the request is with the doctor (not "nothing can be renewed")
        dispatcher.utter_message(response="utter_refill_already_open", prescription=prescription_label(pending[0]))
        return [SlotSet("prescription_id", "none"), SlotSet("refill_question", ""), SlotSet("requested_slot", None)]
    if not prescriptions:
        reasons = [str(rx.get("reason")) for rx in listed if rx.get("reason")]
        if reasons:
            dispatcher.utter_message(response="utter_backend_message", message=reasons[0])
        dispatcher.utter_message(response="utter_no_prescriptions")
        return [SlotSet("prescription_id", "none"), SlotSet("refill_question", ""), SlotSet("requested_slot", None)]
    ids = common.ids_from(prescriptions)
    chosen = fits[0] if len(fits) == 1 else None
    if chosen is None and not named.said and len(prescriptions) == 1:  # named none, one on file: no choice
        chosen = prescriptions[0]
    if chosen is not None:
        dispatcher.utter_message(response="utter_refill_only_one", prescription=prescription_label(chosen))
        if tracker.get_slot("refill_question"):
            # a remark kept before the phone ("最近冇發作 唔喘", set 8's J28): the question for the
            # doctor is answered already, so the request goes in now instead of asking it again
            dispatcher.utter_message(text=REMARK_GOES_WITH)
            return [
                SlotSet("prescription_id", str(chosen["id"])),
                SlotSet("offered_choices", ids),
                SlotSet("requested_slot", None),
                FollowupAction("refill_form"),
            ]
        dispatcher.utter_message(response="utter_ask_refill_question")
        return [
            SlotSet("prescription_id", str(chosen["id"])),
            SlotSet("offered_choices", ids),
            SlotSet("requested_slot", "refill_question"),
        ]
    offered = fits or prescriptions
    buttons = [
        common.button(i, prescription_label(rx), common.inform_payload("prescription_id", str(rx["id"])))
        for i, rx in enumerate(offered, start=1)
    ]
    if named.said and not fits:
        # not on file (set 17's N08 優甲樂, N31 非布司他): what each listed one is for, a visit at
        # the clinic that prescribes it, a person; said in full once, then only what is missing
        offer = refill_list.elsewhere(named.said, journey_texts(tracker))
        buttons += refill_list.extra_buttons(offer, len(offered) + 1)
        if refill_list.said_in_journey(tracker, refill_list.NOT_FOUND_MARK):
            again = refill_list.NOT_FOUND_AGAIN.format(drug=named.said, elsewhere=offer["line"])
            dispatcher.utter_message(text=again, buttons=buttons)
            return [SlotSet("offered_choices", common.ids_from(offered)), SlotSet("requested_slot", "prescription_id")]
        dispatcher.utter_message(response="utter_refill_drug_not_found", drug=named.said)
        dispatcher.utter_message(text=refill_list.NOT_FOUND_HINT.format(elsewhere=offer["line"]))
    dispatcher.utter_message(response="utter_ask_prescription_id", buttons=buttons)
    return [SlotSet("offered_choices", common.ids_from(offered)), SlotSet("requested_slot", "prescription_id")]


class ActionAskPrescriptionId(HospitalAction):
    def name(self) -> Text:
        return "action_ask_prescription_id"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return ask_prescription(dispatcher, tracker)

    def on_error(self, exc: HospitalError, tracker: Tracker) -> List[EventType]:
        return [SlotSet("prescription_id", "none"), SlotSet("refill_question", ""), SlotSet("requested_slot", None)]


class ActionAskRefillFollowup(HospitalAction):
    """ "Was this prescribed here before?" only when nothing is on file: a patient with the
    hospital's prescriptions is a follow-up, and the question cost returning patients the turn
    their refill needed (blind set 3, E46-E48 returning)."""

    def name(self) -> Text:
        return "action_ask_refill_followup"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        patient_id = tracker.get_slot("patient_id")
        if patient_id and patient_id != "new" and common.backend().prescriptions(patient_id):
            return [SlotSet("refill_followup", True), *ask_prescription(dispatcher, tracker)]
        dispatcher.utter_message(response="utter_ask_refill_followup")
        return []

    def on_error(self, exc: HospitalError, tracker: Tracker) -> List[EventType]:
        return []


class ActionRequestRefill(HospitalAction):
    def name(self) -> Text:
        return "action_request_refill"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        done: List[EventType] = [
            SlotSet("prescription_id", None),
            SlotSet("refill_question", None),
            SlotSet("refill_followup", None),
            SlotSet("bind_code", None),  # "failed" (a full phone, actions/base.py) must not end a later form
        ]
        patient_id, rx = tracker.get_slot("patient_id"), tracker.get_slot("prescription_id")
        if tracker.get_slot("refill_followup") is not True or not patient_id or not rx or rx == "none":
            return done
        question = tracker.get_slot("refill_question") or ""
        try:
            common.backend().request_refill(patient_id, rx, answers={"question": question} if question else None)
        except (Conflict, InvalidInput) as exc:
            if exc.message:  # e.g. "这张处方超过复诊期限" or red flags that need a visit
                dispatcher.utter_message(response="utter_backend_message", message=exc.message)
            dispatcher.utter_message(response="utter_refill_not_eligible")
            return done
        dispatcher.utter_message(response="utter_refill_submitted")
        return done

    def on_error(self, exc: HospitalError, tracker: Tracker) -> List[EventType]:
        return [SlotSet("prescription_id", None), SlotSet("refill_question", None), SlotSet("refill_followup", None)]
