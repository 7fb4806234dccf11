"""Every place is reachable: the slot list as the patient steers it.

The list used to be the first eight places of the day, always mornings. Now a
page shows mornings and afternoons side by side (four of each when both have
places), "更多" turns the page, and words narrow it: "下午", "李医生", "专家号".
The view (page and filters) is kept in the ``slot_list_view`` slot for the day
it was asked about; a new day starts a fresh view. A wish said at the list itself
("有没有下午的", "换个专家号", "最好是女医生") is a wish, never a place number, and when
nothing fits it the patient hears so and sees the nearest places (the whole day).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from actions import booking_wishes, common
from actions.dates import period_of
from actions.simplified import simplified
from integrations.hospital.base import Slot

PAGE_SIZE = 8
MORE_TITLE = "更多时段"
MORE_WORDS = re.compile(r"更多|下一页|还有别的|还有其他|还有没有|其他时间|别的时间|换一批|再看看|往后")
EXPERT_WORDS = re.compile(r"专家|主任|教授|名医")
ORDINARY_WORDS = re.compile(booking_wishes.ORDINARY_PATTERN + r"|便宜")
EXPERT_TITLES = ("主任医师", "副主任医师", "教授", "专家")
CHIEF_TITLE = "主任医师"
# "要主任医师的", "挂主任的号": a 主任医师 (not a 副主任医师) is asked for
CHIEF_WORDS = re.compile(r"(?<!副)主任医师|(?<!副)主任(?:的|号)|[挂要找看](?:个)?主任")
TITLE_WORDS = re.compile(r"主治|副主任")
_DOCTOR_WORD = re.compile(r"医生|大夫|主任|教授")
_SURNAME_SAID = re.compile(r"姓([\u4e00-\u9fff])的?(?:医生|大夫|主任|教授|专家)")
PRICE_WORDS = booking_wishes.PRICE_WORDS
# The hospital's data have no doctor's sex: such a wish is answered kindly, with every place.
SEX_WORDS = re.compile(r"[女男](?:的)?(?:医生|大夫|专家|主任|教授)")
# A wish asked as a question ("有没有下午的", "换个专家号") names no place to take.
ASKING_WORDS = re.compile(r"有没有|有木有|有吗|有没|还有|换个|换一个|换成|想要|最好|能不能|可不可以|行不行")
WISH_KEYS = ("period", "doctor", "title")


def asks_about_sex(text: str) -> bool:
    return bool(SEX_WORDS.search(text or ""))


def is_wish(text: str) -> bool:
    """Words that steer the list: a time of day, a title, a doctor's sex, "更多". Digits
    beside them ("有没有下午3点的") are no place number."""
    text = simplified(text or "")
    return any(
        pattern.search(text)
        for pattern in (MORE_WORDS, CHIEF_WORDS, EXPERT_WORDS, ORDINARY_WORDS, SEX_WORDS, TITLE_WORDS)
    ) or bool(period_of(text))


def is_question(text: str) -> bool:
    """ "有没有下午的", "换个专家号": asked, so no offered place is taken by it."""
    return bool(ASKING_WORDS.search(simplified(text or "")))


def _hour(slot: Slot) -> Optional[int]:
    parsed = common.parse_iso(str(slot.get("start", "")))
    return parsed.astimezone(common.SHANGHAI).hour if parsed else None


def _doctor(slot: Slot) -> Dict[str, Any]:
    doctor = slot.get("doctor")
    return dict(doctor) if isinstance(doctor, dict) else {"name": str(doctor or "")}


def is_expert(slot: Slot) -> bool:
    return any(t in str(_doctor(slot).get("title") or "") for t in EXPERT_TITLES)


def fresh_view(date_slot: Optional[str]) -> Dict[str, Any]:
    return {"for": date_slot, "page": 0, "period": None, "doctor": None, "title": None}


def current_view(saved: Any, date_slot: Optional[str]) -> Dict[str, Any]:
    if isinstance(saved, dict) and saved.get("for") == date_slot:
        return {**fresh_view(date_slot), **saved}
    return fresh_view(date_slot)


def view_from_words(text: str, view: Dict[str, Any], slots: List[Slot]) -> Optional[Dict[str, Any]]:
    """The view the patient's words ask for, or None when they do not steer the list."""
    text = simplified(text or "").strip()
    if not text:
        return None
    changed = dict(view)
    steered = False
    if MORE_WORDS.search(text):
        changed["page"] = int(view.get("page") or 0) + 1
        steered = True
    period = booking_wishes.period_wished(text)
    no_date = not re.search(r"\d", re.sub(r"\d{1,2}\s*[点时:：]", "", text))  # "下午3点" is a time, "12月8号下午" a day
    if period in ("morning", "afternoon", "evening") and no_date:
        changed.update(period=period, page=0)
        steered = True
    if PRICE_WORDS.search(text):  # "专家号多少钱" asks a fee: no wish for the list
        return None
    title = booking_wishes.title_of(text)
    if title and not (title == "expert" and view.get("title") in ("chief", "deputy")):
        changed.update(title=title, page=0)  # "专家号" after "要主任医师的" keeps the narrower wish
        steered = True
    wanted = _doctor_wanted(text, slots)
    if wanted:
        changed.update(doctor=wanted, page=0)
        steered = True
    if asks_about_sex(text):  # not in the data: the whole list again, with a kind word
        changed.update(page=0)
        steered = True
    return changed if steered else None


def _doctor_wanted(text: str, slots: List[Slot]) -> Optional[str]:
    names = {str(_doctor(s).get("name") or "") for s in slots} - {""}
    full = [n for n in names if n in text]
    if full:
        return full[0]
    for match in _SURNAME_SAID.finditer(text):  # "想找一个姓周的医生": the surname said with 姓
        if any(n.startswith(match.group(1)) for n in names):
            return match.group(1)
    for match in _DOCTOR_WORD.finditer(text):  # "要李医生的": the 1-3 characters before 医生
        for size in (3, 2, 1):
            before = text[max(match.start() - size, 0) : match.start()]
            if len(before) == size and any(n.startswith(before) for n in names):
                return before
    return None


def arrange(slots: List[Slot], view: Dict[str, Any]) -> Tuple[List[Slot], bool, List[Slot]]:
    """(this page's places, whether more follow, every place the filters leave)."""
    chosen = sorted(slots, key=lambda s: str(s.get("start", "")))
    period = view.get("period")
    if period == "morning":
        chosen = [s for s in chosen if (_hour(s) or 0) < 12]
    elif period == "afternoon":
        chosen = [s for s in chosen if 12 <= (_hour(s) or 0) < 18]
    elif period == "evening":
        chosen = [s for s in chosen if (_hour(s) or 0) >= 18]
    if view.get("doctor"):
        chosen = [s for s in chosen if str(_doctor(s).get("name") or "").startswith(str(view["doctor"]))]
    exact = booking_wishes.TITLES.get(str(view.get("title")))
    if exact:
        chosen = [s for s in chosen if str(_doctor(s).get("title") or "").strip() == exact]
    elif view.get("title") == "expert":
        chosen = [s for s in chosen if is_expert(s)]
    elif view.get("title") == "ordinary":
        chosen = [s for s in chosen if not is_expert(s)]
    pages = _pages(chosen)
    page = min(int(view.get("page") or 0), max(len(pages) - 1, 0))
    return (pages[page] if pages else []), page + 1 < len(pages), chosen


def _pages(slots: List[Slot]) -> List[List[Slot]]:
    """Pages of PAGE_SIZE with mornings and afternoons side by side, so the afternoon is
    on the first page too; a day with only one half fills pages from it."""
    morning = [s for s in slots if (_hour(s) or 0) < 12]
    later = [s for s in slots if (_hour(s) or 0) >= 12]
    half = PAGE_SIZE // 2
    pages: List[List[Slot]] = []
    while morning or later:
        take_m = min(len(morning), half if later else PAGE_SIZE)
        take_l = min(len(later), PAGE_SIZE - take_m)
        take_m = min(len(morning), PAGE_SIZE - take_l)
        pages.append(sorted(morning[:take_m] + later[:take_l], key=lambda s: str(s.get("start", ""))))
        morning, later = morning[take_m:], later[take_l:]
    return pages


def describe(view: Dict[str, Any]) -> str:
    """ "（下午、李医生、专家号）" for the question, so the patient sees the filter applied."""
    doctor = str(view.get("doctor") or "")
    parts = [
        {"morning": "上午", "afternoon": "下午", "evening": "晚上"}.get(str(view.get("period")), ""),
        f"{doctor}医生" if len(doctor) == 1 else doctor,
        booking_wishes.TITLE_NAMES.get(str(view.get("title")), ""),
    ]
    shown = "、".join(p for p in parts if p)
    return f"（{shown}）" if shown else ""


def journey_texts(events: List[Dict[str, Any]]) -> List[str]:
    """What the patient typed since this journey began: the message that started it (the
    one just before its ``action_reset_journey``) and every one since."""
    texts: List[str] = []
    for event in events:
        if event.get("event") == "action" and event.get("name") == "action_reset_journey":
            texts = texts[-1:]
        elif event.get("event") == "user" and event.get("text"):
            texts.append(str(event["text"]))
    return texts


def view_from_journey(
    texts: List[str], date_slot: Optional[str], slots: List[Slot], start: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    """The first view of a day's list: the time of day, doctor and title asked for anywhere
    in the journey ("预约骨科 要主任医师的", then "明天上午") carry to the list, so what is
    offered, and booked, is what was asked for. ``start``: the wish kept from before."""
    view = {**(start or {}), "for": date_slot} if start else fresh_view(date_slot)
    for text in texts:
        if text.startswith("/"):
            continue  # a button's payload
        changed = view_from_words(text, view, slots)
        if changed:
            view = changed
    return {**view, "page": 0}


def wish_of(view: Dict[str, Any]) -> Dict[str, Any]:
    """The patient's wish a view carries (time of day, doctor, title), for the ``booking_wish`` slot."""
    return {key: view.get(key) for key in WISH_KEYS}


def with_wish(view: Dict[str, Any], wish: Any) -> Dict[str, Any]:
    """A day's view narrowed by the wish kept from earlier turns (another day's list included)."""
    if not isinstance(wish, dict):
        return view
    return {**view, **{key: wish[key] for key in WISH_KEYS if wish.get(key)}, "page": 0}
