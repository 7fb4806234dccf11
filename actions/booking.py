"""Booking: department -> date -> slot -> patient -> hold -> pay link.

The form collects; ``action_book_appointment`` holds the slot with an
Idempotency-Key (a retried turn never books twice) and answers with the
payment link, or "confirmed" at once when the fee is 0. A reschedule is one
call: the hospital moves the visit and its money together (a paid fee carries
over, only a difference is paid or refunded) and the patient hears it in one message.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import (
    booking_answers,
    booking_wishes,
    clinic_again,
    common,
    details_misplaced,
    places_asked,
    slot_lists,
)
from actions.base import (
    BIND_FAILED,
    AskPatientAction,
    HospitalAction,
    PatientFormValidation,
    asked,
    previous_value,
    say_code_needed,
    utter_error,
)
from actions.booking_dates import day_asked_whether, day_said_otherwise, first_day_said, names_the_listed_day
from actions.clinic_corrected import change_clinic
from actions.corrections import GO_BACK_INTENT
from actions.dates import DatePhrase, example_date, parse_date_slot, resolve, today_in_shanghai
from actions.numbers import parse_choice
from actions.open_places import (
    BOOKING_WINDOW_DAYS,
    date_of_slot,
    days_near,
    earliest_day_with_places,
    nearest_day_as_wished,
    open_on,
    open_slots,
)
from actions.place_taken import say_place_taken, slot_title, takes_the_wish
from actions.typed_choices import (
    chosen_place,
    clock_time,
    offered_by_words,
    offered_slots,
    place_near_clock,
    several_at_the_time,
)
from actions.visit_money import hold_minutes, say_money_moved
from integrations.hospital import HospitalError, SoldOut
from integrations.hospital.base import Slot

# "好的 那继续挂号吧", "接着来", "继续": the patient goes on after a side question; the list is shown
# again without calling the words a wrong choice.
GOES_ON = re.compile(r"继续|接着|往下|回到挂号|那挂吧|接着挂")


def typed_words(tracker: Tracker) -> str:
    """The patient's words: those the chat edge kept as typed when it sent the bot another
    reading ("返回 我想换个专家的" arrives as ``/go_back``; its wish is read from the words)."""
    typed = ((tracker.latest_message or {}).get("metadata") or {}).get("typed")
    return str(typed or common.latest_text(tracker))


class ValidateBookingForm(PatientFormValidation):
    def name(self) -> Text:
        return "validate_booking_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        """Every turn of the form reads the patient's wish (time of day, title, doctor) into
        ``booking_wish``, so a wish said anywhere - the opening message, with the day, at the
        list - is kept for the whole form and narrows every day's list. Answers given out
        of turn (actions/booking_answers.py) are kept before any validator refuses them."""
        early = await self.code_out_of_step(dispatcher, tracker, domain)
        if early is not None:  # "重新发一下" at the code question, a code typed at the read-back after one went out
            return [*early, *await self._ask_next(early, dispatcher, tracker, domain)]
        again = clinic_again.answer(dispatcher, tracker)
        if again:  # "1", "换科室", "妇科" at "还挂产科吗？" (asked after "返回" at the day question)
            return again
        clinic = change_clinic(dispatcher, tracker)
        if clinic:  # "不对不对 是产科" at the day question: the clinic changed, the day asked again
            return [*clinic, *await self._ask_next(clinic, dispatcher, tracker, domain)]
        out_of_turn = booking_answers.out_of_turn(dispatcher, tracker, domain)
        if out_of_turn:
            return [*out_of_turn, *await self._ask_next(out_of_turn, dispatcher, tracker, domain)]
        events = list(await super().run(dispatcher, tracker, domain))
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        changed = booking_answers.new_value_said(tracker) if intent == GO_BACK_INTENT and events else {}
        if changed:  # "返回 明天不中 换成后天", "不对不对 那还是挂骨科吧": the new answer is taken at once
            events = [e for e in events if e.get("name") != "requested_slot" and e.get("name") not in changed]
            events += [SlotSet(slot, value) for slot, value in changed.items()]
            return [*events, *await self._ask_next(events, dispatcher, tracker, domain)]
        events += booking_answers.details_ahead(dispatcher, tracker, events)
        if tracker.active_loop.get("name") != "booking_form":
            return events
        kept = tracker.get_slot("booking_wish")
        start = slot_lists.with_wish(slot_lists.fresh_view(None), kept)
        wish = slot_lists.wish_of(slot_lists.view_from_journey([typed_words(tracker)], None, [], start))
        if not any(wish.values()) or wish == (kept if isinstance(kept, dict) else None):
            return events
        events.append(SlotSet("booking_wish", wish))
        date_slot, saved = tracker.get_slot("date"), tracker.get_slot("slot_list_view")
        steered = any(isinstance(e, dict) and e.get("name") == "slot_list_view" for e in events)
        if isinstance(saved, dict) and saved.get("for") == date_slot and not steered:
            # a wish the NLU read as a question ("都是主治医师吗？我想找个主任医师") narrows the list too
            events.append(SlotSet("slot_list_view", slot_lists.with_wish(saved, wish)))
        return events

    def went_back(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, events: List[EventType]
    ) -> Optional[List[EventType]]:
        """ "返回" at the day question: "还挂产科吗？" is asked instead of the clinic question,
        the clinic kept until the patient says otherwise (clinic_again)."""
        if booking_answers.new_value_said(tracker):  # "返回 明天不中 换成后天": the new answer is taken
            return None
        return clinic_again.back_at_the_day(dispatcher, tracker, list(events))

    def went_back_line(self, tracker: Tracker, events: List[EventType]) -> Optional[str]:
        """ "不对不对 是产科" read as going back: the clinic changed is said, as a correction read
        otherwise is (clinic_corrected), not "好的，我们改一下。"."""
        changed = booking_answers.new_value_said(tracker)
        if changed.get("department") and "date" in changed:
            return clinic_again.CHANGED_TEXT.format(department=common.department_name(changed["department"]))
        return None

    async def _ask_next(
        self, events: List[EventType], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """After an answer kept out of turn, the first of this form's own slots still empty
        (Rasa's domain order would ask "which patient?" of a patient being registered)."""
        if any(e.get("name") == "requested_slot" for e in events):
            return []
        tracker.add_slots(events)
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        ask = next((s for s in required if tracker.get_slot(s) in (None, "")), None)
        return [SlotSet("requested_slot", ask)]

    async def validate_id_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """An ID tag in the opening message ("挂心内课") is dropped quietly (set 4's F01)."""
        if tracker.get_slot("requested_slot") is None and not booking_answers.typed_id_like(tracker):
            return {"id_number": None}
        return dict(await super().validate_id_number(value, dispatcher, tracker, domain))

    async def extract_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A day the NLU did not tag: said in the message that started the booking ("聽日上晝得唔得"),
        or left to us at the day question ("哪天都行，随便", "你看着办，最早的那个吧")."""
        requested, text = tracker.get_slot("requested_slot"), common.latest_text(tracker)
        tagged = next(tracker.get_latest_entity_values("date"), None)
        # a tag that is no day ("哪天" of "哪天都行，随便") leaves the choice to us as well
        if tracker.get_slot("date") or (tagged and resolve(str(tagged), today_in_shanghai())) or not text:
            return {}
        if requested in (None, "department"):
            phrase = resolve(text, today_in_shanghai())
            return {"date": phrase.iso() + (f" {phrase.period}" if phrase.period else "")} if phrase else {}
        asked_whether = day_asked_whether(text) if requested == "date" else None
        if asked_whether is not None:  # "聽日朝早得唔得" read as a refusal: the day asked about
            return {"date": asked_whether.iso() + (f" {asked_whether.period}" if asked_whether.period else "")}
        if requested == "date" and places_asked.places_asked_while_booking(tracker):
            return {"date": text}  # "啥时候有号啊？明儿个有没" read as a look-up: validate_date reads it
        if requested == "date" and resolve(text) is None and booking_wishes.wants_anything(text):
            earliest = self._earliest(tracker.get_slot("department"))
            return {"date": earliest.isoformat()} if earliest else {}
        return {}

    async def extract_slot_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """ "随便", "哪个都行", "最早的那个" at the list: the first place offered (the earliest),
        whatever the NLU took the words for."""
        offered = tracker.get_slot("offered_choices") or []
        text = common.latest_text(tracker)
        if tracker.get_slot("requested_slot") != "slot_id" or not offered or tracker.get_slot("slot_id"):
            return {}
        if booking_wishes.wants_anything(text) and not slot_lists.is_wish(text) and parse_choice(text) is None:
            say_place_taken(dispatcher, tracker, offered, offered[0], domain)
            return {"slot_id": offered[0]}
        return {}

    async def extract_registration_ok(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """ "确认预约", "妥了 确认" at the read-back: a yes, however the NLU read the words."""
        if tracker.get_slot("requested_slot") != "registration_ok" or tracker.get_slot("registration_ok") is not None:
            return {}
        text = common.latest_text(tracker)
        if booking_answers.code_typed_first(tracker):  # a code before any was sent: a yes, the code goes out
            dispatcher.utter_message(response="utter_backend_message", message=booking_answers.CODE_TYPED_FIRST)
            return {"registration_ok": True}
        if booking_answers.books_now(text) and not booking_answers.confirms(text):  # "验证码就不要了吧 直接给俺挂上"
            say_code_needed(dispatcher, domain)
            return {"registration_ok": True}
        return {"registration_ok": True} if booking_answers.confirms(text) else {}

    async def extract_department(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """ "我想挂个号 看心脏的", "挂皮服科": a department the NLU did not tag, named in the
        message that started the booking, is taken instead of asked for again."""
        kept = clinic_again.keeps_the_clinic(tracker)
        if kept and not tracker.get_slot("department"):  # "是" after going back: the clinic chosen before
            return {"department": kept}
        if tracker.get_slot("department") or tracker.get_slot("requested_slot") not in (None, "department"):
            return {}
        if clinic_again.goes_on_words(tracker):
            return {"department": None}  # "上午的", "明天", "2" whatever the NLU read: validate_department reads them
        if next(tracker.get_latest_entity_values("department"), None):
            return {}  # the mapping has it; validate_department resolves it
        code = common.resolve_department(common.latest_text(tracker))
        return {"department": code} if code else {}

    async def validate_department(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # the whole message first ("挂新内科" is 心内科 misspelt even when the NLU tagged 内科)
        text = common.latest_text(tracker)
        chosen_before = clinic_again.keeps_the_clinic(tracker)
        if chosen_before:  # "是", "还是这个" after going back: the clinic chosen before
            return {"department": chosen_before}
        code = common.resolve_department(text) or common.normalise_department(value)
        went_on = clinic_again.goes_on(dispatcher, tracker) if code is None else None
        if went_on is not None:  # "上午的", "明天", "林晓" after going back: the clinic chosen before kept
            return went_on
        kind = details_misplaced.detail_kind(text) if code is None else None
        if kind is not None:  # "陈嘉欣", an ID number, a phone, a code: said for what it is, never echoed
            kept = (
                kind in ("id_number", "phone")
                and kind in booking_answers.details_in(tracker)
                and not tracker.get_slot(kind)
            )
            line = details_misplaced.misplaced_line(kind, kept)
            dispatcher.utter_message(response="utter_backend_message", message=line)
            return {"department": None}
        if code is None:
            shown = details_misplaced.masked(str(value or ""))
            dispatcher.utter_message(response="utter_unknown_department", department_text=shown)
            return {"department": None}
        return {"department": code}

    async def validate_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        today, text = today_in_shanghai(), common.latest_text(tracker)
        # the whole answer to the day question before the NLU's tag: "下礼拜三" tagged "下礼拜" is no Monday
        said = first_day_said(text, today) if asked(tracker, "date") else None
        phrase = date_of_slot(value) or said or resolve(str(value or ""), today) or resolve(text, today)
        if phrase is None:  # "1" for the first day button ("1 今天") of the question just asked
            choice, days = parse_choice(common.latest_text(tracker)), common.latest_button_payloads(tracker)
            if choice is not None and 0 < choice <= len(days):
                phrase = resolve(days[choice - 1], today)
        if phrase is None and asked(tracker, "date") and booking_wishes.wants_anything(common.latest_text(tracker)):
            # "哪天都行，随便" read as inform fills the day with its own words: the earliest day
            earliest = self._earliest(tracker.get_slot("department"))
            phrase = DatePhrase(day=earliest) if earliest else None
        half = booking_wishes.period_wished(common.latest_text(tracker)) if asked(tracker, "date") else None
        if phrase is None and half is None and asked(tracker, "date"):
            noted = places_asked.title_noted(text)
            if noted:  # "有专家号吗 没有的话普通也行": the wish is kept (run), the day asked again
                dispatcher.utter_message(text=noted)
                return {"date": None}
        if phrase is None and asked(tracker, "date") and places_asked.asks_for_places(text):
            # "啥时候有号", "还有号没": the first day with places (in the half wished, if any)
            earliest = self._earliest(tracker.get_slot("department"), half)
            phrase = DatePhrase(day=earliest, period=half) if earliest else None
        if phrase is None and half:  # "上晝啦", "下昼": the half alone, on the first day that has it
            earliest = self._earliest(tracker.get_slot("department"), half)
            phrase = DatePhrase(day=earliest, period=half) if earliest else None
        if phrase is None and next(tracker.get_latest_entity_values("department"), None):
            return {"date": None}  # "不对，我要挂眼科": a new department, the day is simply asked again
        if phrase is None and not asked(tracker, "date"):
            return {"date": previous_value(tracker, "date")}  # "王" of "王秀英" tagged as a date
        if phrase is None or not today <= phrase.day <= today + timedelta(days=BOOKING_WINDOW_DAYS):
            dispatcher.utter_message(response="utter_invalid_date", date_example=example_date(today))
            return {"date": None}
        date_slot = phrase.iso() + (f" {phrase.period}" if phrase.period else "")
        department = tracker.get_slot("department")
        if department:
            try:
                slots = open_slots(department, date_slot, tracker.get_slot("doctor"))
            except HospitalError as exc:
                utter_error(dispatcher, exc)
                return {"date": None}
            if not slots:
                other = day_said_otherwise(text, phrase.day, today) if asked(tracker, "date") else None
                if other is not None and today <= other.day <= today + timedelta(days=BOOKING_WINDOW_DAYS):
                    return self._day_said_otherwise(dispatcher, domain, department, phrase, other)
                return self._nearest_day(dispatcher, department, phrase)
        return {"date": date_slot, "slot_id": None}

    @staticmethod
    def _earliest(department: Optional[str], period: Optional[str] = None) -> Optional[date]:
        """The day "随便" means: the first with a free place (read at extraction when the NLU
        left the day untagged, at validation when it filled the day with the words)."""
        try:
            return earliest_day_with_places(department, period) if department else today_in_shanghai()
        except HospitalError:
            return None

    def _day_said_otherwise(
        self,
        dispatcher: CollectingDispatcher,
        domain: DomainDict,
        department: str,
        phrase: DatePhrase,
        other: DatePhrase,
    ) -> Dict[Text, Any]:
        """The first day is full and the patient said which to try then ("没有的话下礼拜一也行"):
        that day, not the nearest one (set 5's G07 was shown Friday for "Saturday or Monday")."""
        try:
            has_places = bool(open_on(department, other.day))
        except HospitalError as exc:
            utter_error(dispatcher, exc)
            return {"date": None}
        if not has_places:
            return self._nearest_day(dispatcher, department, phrase)
        names = {"department_name": common.department_name(department), "date_text": common.day_text(phrase.iso())}
        said = "utter_no_slots_day_said_otherwise"
        response = said if said in ((domain or {}).get("responses") or {}) else "utter_no_slots_nearest_day"
        dispatcher.utter_message(response=response, other_date=common.day_text(other.iso()), **names)
        period = other.period or phrase.period
        return {"date": other.iso() + (f" {period}" if period else ""), "slot_id": None}

    def _nearest_day(self, dispatcher: CollectingDispatcher, department: str, phrase: DatePhrase) -> Dict[Text, Any]:
        """A full day: said kindly, and the nearest day with places is listed instead of
        asking again (a patient who tapped 今天 on a Sunday saw the day question loop)."""
        names = {"department_name": common.department_name(department), "date_text": common.day_text(phrase.iso())}
        try:
            near = next((d for d in days_near(phrase.day, today_in_shanghai()) if open_on(department, d)), None)
        except HospitalError as exc:
            utter_error(dispatcher, exc)
            return {"date": None}
        if near is None:
            dispatcher.utter_message(response="utter_no_slots", **names)
            return {"date": None}
        dispatcher.utter_message(
            response="utter_no_slots_nearest_day", other_date=common.day_text(near.isoformat()), **names
        )
        return {"date": near.isoformat() + (f" {phrase.period}" if phrase.period else ""), "slot_id": None}

    async def validate_slot_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        offered = tracker.get_slot("offered_choices") or []
        value = str(value or "").strip()
        # a tapped button carries the id as an entity (the typed-text mapping sees the payload)
        for candidate in (value, *(str(v) for v in tracker.get_latest_entity_values("slot_id"))):
            if candidate in offered:
                return {"slot_id": candidate}
        text = common.latest_text(tracker) or value
        wish = slot_lists.is_wish(text)  # "有没有下午3点的": a wish, not place 3
        choice = parse_choice(text) or (None if wish else parse_choice(value))
        if choice is None and not wish:  # "第一個就得", "头一个就好", "就它吧" (one place left)
            choice = chosen_place(text, len(offered))
        if choice is not None and 0 < choice <= len(offered):
            return {"slot_id": offered[choice - 1]}
        picked = None if slot_lists.is_question(text) else offered_by_words(text, tracker, offered)
        if picked:
            if several_at_the_time(text, tracker, offered):  # the patient hears which one was taken
                say_first_of_several(dispatcher, tracker, offered, picked)
            return {"slot_id": picked}
        near = None if picked or slot_lists.is_question(text) else place_near_time(text, tracker)
        if near:  # "三点左右最好" with no place at three on the screen: the nearest place of the day, said
            say_place_taken(dispatcher, tracker, [*offered, near], near, domain)
            return {"slot_id": near}
        steered = steer_slot_list(value, tracker)
        if steered is not None:  # "更多", "下午", "李医生", "专家号": the list is shown again, narrowed
            answer = {"slot_id": None, "slot_list_view": steered, "booking_wish": slot_lists.wish_of(steered)}
            if slot_lists.asks_about_sex(text):
                dispatcher.utter_message(response="utter_doctor_sex_unknown")
                return answer
            first = first_in_view(tracker, steered) if takes_the_wish(text) and not steered.get("page") else None
            if first:  # "上午的就行 哪个大夫都中", "就要主任 别个不要": the first place that fits, said
                say_place_taken(dispatcher, tracker, [first], first, domain)
                return {**answer, "slot_id": first}
            return answer
        if offered and booking_wishes.wants_anything(text):  # "随便", "哪个都行": the first (earliest)
            say_place_taken(dispatcher, tracker, offered, offered[0], domain)
            return {"slot_id": offered[0]}
        missing = booking_answers.missing_doctor(tracker)
        if missing:  # "就要周医生那个" with no 周 that day: said, and the list offered again
            day_text = common.day_text(parse_date_slot(tracker.get_slot("date"))[0])
            dispatcher.utter_message(response="utter_no_slots_as_wished", date_text=day_text, wanted=missing)
            return {"slot_id": None}
        if not names_the_listed_day(text, tracker.get_slot("date")) and not GOES_ON.search(text):
            # "下周一吧" at Monday's list, "好的 那继续挂号吧" after a side question: the list again, no "wrong"
            dispatcher.utter_message(response="utter_invalid_choice")
        return {"slot_id": None}


def steer_slot_list(value: str, tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The slot list's new view when the answer pages or filters it, else None."""
    date_slot = tracker.get_slot("date")
    view = slot_lists.current_view(tracker.get_slot("slot_list_view"), date_slot)
    if value == "more":
        return {**view, "page": int(view.get("page") or 0) + 1}
    try:
        day_slots = open_slots(tracker.get_slot("department"), date_slot) if date_slot else []
    except HospitalError:
        return None
    return slot_lists.view_from_words(common.latest_text(tracker) or value, view, day_slots)


def place_near_time(text: str, tracker: Tracker) -> Optional[str]:
    """The place of the day nearest the time the patient said ("三点左右"), among those that
    fit the list's view (time of day, doctor, title); None without a time said."""
    department, date_slot = tracker.get_slot("department"), tracker.get_slot("date")
    if not department or not date_slot or clock_time(text) is None:
        return None
    view = slot_lists.current_view(tracker.get_slot("slot_list_view"), date_slot)
    try:
        day_slots = open_slots(department, parse_date_slot(date_slot)[0], tracker.get_slot("doctor"))
    except HospitalError:
        return None
    _page, _more, fitting = slot_lists.arrange(day_slots, {**view, "period": None, "page": 0})
    return place_near_clock(text, fitting or day_slots)


def first_in_view(tracker: Tracker, view: Dict[str, Any]) -> Optional[str]:
    """The earliest place of the day that fits the view's wish (time of day, doctor, title)."""
    department, date_slot = tracker.get_slot("department"), tracker.get_slot("date")
    if not department or not date_slot:
        return None
    try:
        day_slots = open_slots(department, parse_date_slot(date_slot)[0], tracker.get_slot("doctor"))
    except HospitalError:
        return None
    _page, _more, fitting = slot_lists.arrange(day_slots, {**view, "page": 0})
    return str(fitting[0]["id"]) if fitting else None


class ActionAskSlotId(HospitalAction):
    def name(self) -> Text:
        return "action_ask_slot_id"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        department = tracker.get_slot("department")
        date_slot = tracker.get_slot("date")
        day, period = parse_date_slot(date_slot)
        day_slots = open_slots(department, date_slot, tracker.get_slot("doctor"))
        saved = tracker.get_slot("slot_list_view")
        wished = (tracker.get_slot("booking_wish") or {}).get("period") if period else None
        # the list shown when the day lacked the half wished (the nearest day's first), asked again
        # after a side question: shown as it was, not as the whole day under the half's name
        fell_back = (
            isinstance(saved, dict)
            and not saved.get("period")
            and not saved.get("page")
            and bool(period)
            and wished == period
        )
        if isinstance(saved, dict) and saved.get("for") == date_slot and not fell_back:
            view = slot_lists.current_view(saved, date_slot)
        else:  # a new day's list: the wish kept so far, and what the journey asked for
            kept = slot_lists.with_wish(slot_lists.fresh_view(date_slot), tracker.get_slot("booking_wish"))
            texts = slot_lists.journey_texts(tracker.events)
            view = slot_lists.view_from_journey(texts, date_slot, day_slots, kept)
            if period:  # the day was said last, with its half ("那后天下午呢")
                view["period"] = period
        if view.get("period") and view.get("period") != period:  # "明天上午", then "有没有下午的"
            day_slots, period = open_slots(department, day, tracker.get_slot("doctor")), None
        slots, more, _left = slot_lists.arrange(day_slots, view)
        wanted = slot_lists.describe(view)
        elsewhere: List[Slot] = []
        other_day = ""
        if not slots and wanted:  # "下午" with no afternoon places: say so, and show the nearest
            near = nearest_day_as_wished(department, day, view)
            whole_day = open_slots(department, day, tracker.get_slot("doctor"))
            view, period = {**view, "period": None, "page": 0}, None  # the same doctor or title at another hour
            slots, more, _left = slot_lists.arrange(whole_day, view)
            if not slots:  # else every place of the day
                view = slot_lists.fresh_view(date_slot)
                slots, more, _left = slot_lists.arrange(whole_day, view)
            if near:  # the wish as said, on the nearest day that has it, first
                other_day, elsewhere = common.day_text(near[0]), near[1][: slot_lists.PAGE_SIZE // 2]
                slots = slots[: slot_lists.PAGE_SIZE - len(elsewhere)]
            say_nothing_as_wished(dispatcher, common.day_text(day, None), wanted.strip("（）"), other_day)
        date_text = common.day_text(day, period) + slot_lists.describe(view)
        if other_day:
            date_text = f"{other_day}{wanted}和{date_text}"
        names = {"department_name": common.department_name(department), "date_text": date_text}
        if not slots and not elsewhere:
            dispatcher.utter_message(response="utter_no_slots", **names)
            return [SlotSet("date", None), SlotSet("requested_slot", "date")]
        shown = [*elsewhere, *slots]
        buttons = [
            common.button(i, slot_title(s, with_day=s in elsewhere), common.inform_payload("slot_id", str(s["id"])))
            for i, s in enumerate(shown, start=1)
        ]
        if more:  # unnumbered, so typed numbers still mean the places
            buttons.append({"title": slot_lists.MORE_TITLE, "payload": common.inform_payload("slot_id", "more")})
        dispatcher.utter_message(response="utter_ask_slot_id", buttons=buttons, **names)
        return [SlotSet("offered_choices", common.ids_from(list(shown))), SlotSet("slot_list_view", view)]


def say_first_of_several(dispatcher: CollectingDispatcher, tracker: Tracker, offered: List[str], picked: str) -> None:
    """ "两点半那个" with two doctors at 14:30: the first listed was taken; said with its
    doctor and day, and how to change it, so the patient is not booked blind."""
    try:
        slots = offered_slots(tracker.get_slot("department"), tracker.get_slot("date"), offered)
    except HospitalError:
        return
    slot = next((s for s in slots if str(s["id"]) == picked), None)
    if slot is not None:
        dispatcher.utter_message(response="utter_first_of_several_taken", place=slot_title(slot, with_day=True))


def say_nothing_as_wished(dispatcher: CollectingDispatcher, day_text: str, wanted: str, other_day: str) -> None:
    """Nothing fits the wish on the day asked: said kindly, with where it can still be had."""
    if other_day:
        dispatcher.utter_message(
            response="utter_no_slots_as_wished_nearest", date_text=day_text, wanted=wanted, other_date=other_day
        )
    else:
        dispatcher.utter_message(response="utter_no_slots_as_wished", date_text=day_text, wanted=wanted)


class ActionAskPatientId(AskPatientAction):
    def name(self) -> Text:
        return "action_ask_patient_id"


class ActionBookAppointment(HospitalAction):
    def name(self) -> Text:
        return "action_book_appointment"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        patient_id, slot_id = tracker.get_slot("patient_id"), tracker.get_slot("slot_id")
        if tracker.get_slot("bind_code") == BIND_FAILED:  # the full phone's refusal was said: no booking
            return [
                SlotSet("booking_ok", False),
                SlotSet("bind_code", None),  # a later booking asks anew
                SlotSet("slot_id", None),
                SlotSet("offered_choices", None),
            ]
        if not patient_id or not slot_id:
            dispatcher.utter_message(response="utter_backend_error")
            return []
        old = tracker.get_slot("reschedule_from")
        if old:  # one call moves the visit and its money (the hospital cancels the old one)
            key = common.idempotency_key(tracker, "move", old, slot_id)
            appointment = common.backend().reschedule(old, slot_id, idempotency_key=key)
        else:
            channel, _ = common.chat_account(tracker)
            key = common.idempotency_key(tracker, "book", patient_id, slot_id)
            appointment = common.backend().book(patient_id, slot_id, idempotency_key=key, channel=channel)
        names = {
            "department_name": appointment.get("department_name")
            or common.department_name(appointment.get("department") or tracker.get_slot("department")),
            "doctor": common.doctor_label(appointment.get("doctor")),
            "start_text": common.start_text(str(appointment.get("start", ""))),
        }
        payment = appointment.get("payment") or {}
        carried = appointment.get("carried_over") or {}
        if int(carried.get("paid_fen") or 0) > 0:
            say_money_moved(dispatcher, appointment, carried, names)
        elif appointment.get("status") == "held" and common.pay_link(payment):
            dispatcher.utter_message(
                response="utter_booking_held",
                amount_yuan=common.yuan(payment.get("amount_fen", appointment.get("fee_fen"))),
                pay_url=common.pay_link(payment),
                hold_minutes=hold_minutes(appointment.get("hold_expires_at")),
                **names,
            )
            dispatcher.utter_message(response="utter_booking_pay_note")
        else:
            dispatcher.utter_message(response="utter_booking_confirmed", **names)
        if old and not int(carried.get("paid_fen") or 0):
            dispatcher.utter_message(response="utter_rescheduled")  # nothing was paid: nothing to say of money
        return [
            SlotSet("booking_ok", True),
            SlotSet("sold_out", None),
            SlotSet("slot_id", None),
            SlotSet("offered_choices", None),
            SlotSet("reschedule_from", None),
        ]

    def on_error(self, exc: HospitalError, tracker: Tracker) -> List[EventType]:
        if isinstance(exc, SoldOut):  # choose another slot at once (rule "the slot was taken meanwhile")
            return [
                SlotSet("slot_id", None),
                SlotSet("booking_ok", False),
                SlotSet("sold_out", True),
                FollowupAction("booking_form"),
            ]
        return [SlotSet("booking_ok", False), SlotSet("slot_id", None), SlotSet("reschedule_from", None)]
