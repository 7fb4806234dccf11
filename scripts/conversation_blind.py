"""The pure parts of the blind-conversation runner (scripts/conversation_blind_report.py):
placeholders, taps, the identities a conversation plays with, reading the bot's
triage wording and masking what is personal. Kept apart from the runner so they
are unit-tested without starting the stack (tests/unit/test_conversation_blind.py).

The blind author wrote the patient's side only, against the public contract; these
helpers turn a scripted turn into what a real patient would have typed or tapped,
and never look at the bot's internals to do it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared_rules import id_check_char

PLACEHOLDER = re.compile(r"\{(ID_NUMBER|PHONE|SMS_CODE|TOMORROW_DATE)\}")
TAP = re.compile(r"^<tap:(\d+)>$")
ID_RE = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3})([\dXx])(?!\d)")
PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
# The bot's own triage wording (bot/domain.yml utter_triage_*); an urgent, routine or self-care
# answer also says "如果有胸痛…请立即拨打120" as advice, so those templates are read first.
LEVEL_WORDS = (
    ("urgent", ("建议您24小时内",)),
    ("routine", ("建议您到门诊看一下",)),
    ("self_care", ("目前看情况不太严重",)),
    ("emergency", ("这可能很危险", "马上拨打120", "立即拨打120", "立刻去最近医院的急诊")),
)
GOODBYE_WORDS = ("再见", "拜拜", "再會", "祝您早日康复")
FEMALE_CHARS = set("兰敏美玲丽燕静秀英娟芳霞")
FAQ_WORDS = {
    "parking": ("停车",),
    "insurance": ("医保", "醫保"),
    "hours": ("8:00", "周一到周五", "门诊时间", "开诊"),
    "documents": ("身份证", "医保卡", "证件"),
    "refund": ("原路", "退回", "工作日"),
    # set 3 (and DESIGN.md) name three more topics; the words are the seeded facts' (data/hospital.yml)
    "address": ("安贞西里街", "地址"),
    "fees": ("挂号费", "元"),
    "contact": ("电话", "010-"),
    "visiting": ("探视",),  # DESIGN.md's topic; set 4's README names it
    # set 11's author named its own topics (DESIGN.md lists none); mapped before its scoring
    "opening_hours": ("8:00", "周一到周五", "门诊时间", "开诊"),
    "medical_insurance": ("医保", "醫保"),
    "invoice": ("票据", "发票"),
    "medical_records": ("病历",),
    # set 12's author too; mapped from its goal names alone before its first scoring
    "hospital_address": ("安贞西里街", "地址"),
    "blood_test_preparation": ("空腹",),
}


# Goals name the doctor's title in Chinese (主任医师...) or, in sets written to the blind rules of
# stop 28, as the patient says it: 专家号 (a chief or associate chief physician) or 普通号 (an
# attending or resident). Stop 28's rules asked for "expert"/"ordinary"; the runner compared those
# words with the Chinese title and failed every titled booking of set 12 (fixed before reading).
TITLE_CLASSES = {"expert": ("主任医师", "副主任医师"), "ordinary": ("主治医师", "住院医师")}


def title_matches(booked: str, wanted: str) -> bool:
    """Whether the booked doctor's title is the title (or the class of titles) the goal asks for."""
    return booked in TITLE_CLASSES.get(wanted, (wanted,))


@dataclass(frozen=True)
class Tap:
    """What tapping a button does: send its payload, or open its link."""

    payload: str
    title: str
    is_link: bool


class NoSuchButton(LookupError):
    """The script taps button N but the bot's last message offered fewer."""


def placeholders(turn: str) -> set[str]:
    return set(PLACEHOLDER.findall(turn))


def substitute(turn: str, values: dict[str, str]) -> str:
    """Put real values in the placeholders; a value missing is a bug in the runner."""
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], turn)


def tap_index(turn: str) -> int | None:
    """N for "<tap:N>" (1-based), None for a typed message."""
    found = TAP.match(turn.strip())
    return int(found.group(1)) if found else None


def is_link(payload: str) -> bool:
    return payload.startswith(("http://", "https://"))


def resolve_tap(index: int, last_reply: list[dict[str, Any]]) -> Tap:
    """The Nth button of the last bot message that offered buttons in the last reply."""
    offered = [m["buttons"] for m in last_reply if m.get("buttons")]
    if not offered or not 1 <= index <= len(offered[-1]):
        raise NoSuchButton(f"button {index} asked for, {len(offered[-1]) if offered else 0} offered")
    button = offered[-1][index - 1]
    payload = str(button.get("payload") or button.get("url") or "")
    return Tap(payload=payload, title=str(button.get("title", "")), is_link=is_link(payload))


def sex_of(name: str) -> str:
    """A plausible sex for a persona's name (for the ID number's sex digit)."""
    return "F" if any(ch in FEMALE_CHARS for ch in name) else "M"


def make_id_number(birth: date, sex: str, serial: int, area: str = "110105") -> str:
    """A valid GB 11643 number: area, birth date, a sequence whose last digit is odd for men."""
    sequence = 10 + (serial % 400) * 2 + (1 if sex == "M" else 2)
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def make_phone(serial: int) -> str:
    return f"1390{serial:07d}"


def tomorrow_words(day: date) -> str:
    return f"{day.month}月{day.day}日"


# "不对 不是心内科那个 是眼科那个": the script assumes two appointments, the one it rejects and
# the one it wants (set 6's H37: the runner held only the first department named, cardiology,
# and the son's eye appointment did not exist to be cancelled).
REJECTS_ONE = re.compile(r"不是(?P<wrong>[^，。,！!？?]+?)[，,\s]*是(?P<right>[^，。,！!？?]+)")


def rejected_and_wanted(turns: list[str], resolve: Any) -> tuple[str, str] | None:
    """(the department a turn rejects, the one it names instead), or None; ``resolve`` is
    the triage router's department reader (names, typos and homophones)."""
    for turn in turns:
        found = REJECTS_ONE.search(turn)
        if found is None:
            continue
        wrong, right = resolve(found.group("wrong")), resolve(found.group("right"))
        if wrong and right and wrong != right and "emergency" not in (wrong, right):
            return str(wrong), str(right)
    return None


def day_meant(turns: list[str], resolve_day: Any) -> Any:
    """The day of the appointment a cancel or query script means, or None when it names none:
    "不对 不是后天 是下周三那个" means next Wednesday (the day rejected is no appointment of
    the patient's), "就是后天的皮肤科" the day after tomorrow. The last turn naming a day wins
    (corrections come later). ``resolve_day`` reads a phrase to an object with ``.day`` or
    None (actions/dates.py's resolve, today bound)."""
    found = None
    for turn in turns:
        if turn.startswith("{"):
            continue
        wanted = REJECTS_ONE.search(turn)
        phrase = resolve_day(wanted.group("right")) if wanted else None
        phrase = phrase or resolve_day(re.sub(r"不是[^，。,！!？?\s是]+", "", turn))
        if phrase is not None:
            found = phrase.day
    return found


def level_said(texts: list[str]) -> str | None:
    """The last triage level the bot put in words, or None when it never gave one."""
    found: str | None = None
    for text in texts:
        for level, words in LEVEL_WORDS:
            if any(w in text for w in words):
                found = level
                break
    return found


def asks_for(texts: list[str]) -> set[str]:
    """Which form answers the bot's last reply asks for: PHONE, SMS_CODE, ID_NUMBER."""
    joined = "\n".join(texts)
    wanted = set()
    if "手机号" in joined and "输入" in joined:
        wanted.add("PHONE")
    if "验证码" in joined and ("输入" in joined or "已发到" in joined):
        wanted.add("SMS_CODE")
        wanted.discard("PHONE")
    if "身份证" in joined and "输入" in joined:
        wanted.add("ID_NUMBER")
    return wanted


# The registration's read-back (bot/domain.yml utter_ask_registration_ok): name, masked ID and
# phone shown, "都对吗？" asked before any code goes out.
READ_BACK_WORDS = ("请核对一下就诊人信息", "都对吗")


def asks_to_confirm(texts: list[str], phone: str) -> bool:
    """The bot's last reply is the registration's read-back and shows the patient's own phone
    (masked, its last four digits): a patient whose details are right confirms it. Blind
    scripts do not know this step (set 9's bookings end with the code typed at it, or at the
    phone), as they do not know every form question (`asks_for`)."""
    joined = "\n".join(texts)
    return all(word in joined for word in READ_BACK_WORDS) and f"****{phone[-4:]}" in joined


# Words of the hand-off's "when someone answers" (services/conversation/handoff_choice.when_answered).
WHEN_ANSWERED_WORDS = ("回复您", "上班后")
# A patient who gives up on the person they asked for (the runner's own list, not the bot's
# patterns, so the bot is not measured with its own reading): sets 1-3's scripts end so.
LEAVE_WORDS = ("不等了", "退出", "算了", "不用了", "不用人工", "不排", "唔使", "我自己", "取消排队", "不要人工")


def patient_left(turns: list[str]) -> bool:
    """Whether the script leaves the queue after asking for a person (any turn after the first)."""
    return any(w in turn for turn in turns[1:] for w in LEAVE_WORDS)


def human_settled(statuses: list[str], patient_left: bool, texts: list[str]) -> tuple[bool, str]:
    """A person was asked for: a ticket opened. A patient who then left the queue ("算了，不等
    了") has every ticket closed; one who did not is still waiting for staff (a ticket open)
    and was told when someone answers. Sets 1-3's hand-off scripts end by leaving; set 4's
    (F54-F56) never do, and "all closed" there would count a dropped patient as a success."""
    if not statuses:
        return False, "no hand-off ticket was opened"
    closed = all(s == "closed" for s in statuses)
    if patient_left:
        return closed, f"{len(statuses)} ticket(s) opened; the patient left; closed at the end: {closed}"
    told = any(w in t for t in texts for w in WHEN_ANSWERED_WORDS)
    waiting = not closed
    return waiting and told, (
        f"{len(statuses)} ticket(s) opened; the patient stayed; still open: {waiting}; told when answered: {told}"
    )


def mask(text: str) -> str:
    """ID numbers and phones masked the way the app masks them in logs."""
    text = ID_RE.sub(lambda m: f"{m.group(1)}*********{m.group(3)[1:]}{m.group(4)}", text)
    return PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


@dataclass
class Outcome:
    conv: dict[str, Any]
    passed: bool = False
    why: str = ""
    lines: list[tuple[str, str]] = field(default_factory=list)  # (speaker, text)
    replies: list[list[dict[str, Any]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
