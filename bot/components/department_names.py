"""Department mentions however a patient types them, for the bot's NLU.

The intent model and DIET learn department names from examples, so a name they
never saw is lost: a homophone picked by a pinyin keyboard ("新内科", "内分秘科",
"耳鼻猴科", "皮服科"), traditional characters ("皮膚科", "心臟內科"), or a
description ("看心脏的", "看牙的那个科"). This module finds those mentions with
plain tables and pronunciation, the same way the app's triage router does
(services/clinical/triage/routing.py), and from the same data files, so the bot
and the app agree on what a patient meant:

* ``data/departments.yml`` - names and aliases (also the NLU synonyms);
* ``data/triage/routing.yml`` ``department_typos`` - wordings that neither
  spelling nor sound gives away (colloquial descriptions, dialect);
* ``data/department_words.yml`` - what a department treats ("关节", "痛风",
  "前列腺"), found only inside a frame that makes it a department: "看关节的",
  "治痛风的医生", "糖尿病门诊", "看前列腺那个科", "睇皮膚嘅"; and a name cut short
  ("消化", "肿瘤"), found only as the message's last clause ("挂号 呼吸").

A typo that is neither a homophone nor listed ("消化内课" is a homophone; "消化丙科",
one syllable off in its initial or final) is read as the one department of four or
more characters it is that close to, when it ends in 科 and no other name is as close.
Departments this hospital does not book (检验科, 营养科, 超声科 …, ``not_ours`` in
data/department_words.yml) are found first so their 验科, 养科, 声科 are not read as
眼科 or 肾科 by sound.

No Rasa import here: the Rasa component (:mod:`bot.components.department_normalizer`)
wraps it, and unit tests use it directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import opencc
import yaml
from pypinyin import lazy_pinyin

from shared_rules import VERBS_BEFORE_DEPARTMENT

ROOT = Path(__file__).resolve().parents[2]
DEPARTMENTS_FILE = ROOT / "data" / "departments.yml"
ROUTING_FILE = ROOT / "data" / "triage" / "routing.yml"
WORDS_FILE = ROOT / "data" / "department_words.yml"
NOT_OURS = "!"  # prefix of a words-table key naming a department we do not book

# Frames that make a treated thing a department. Before it, a verb of treating
# ("看关节的", "治痛风的"); after it, a word for a department ("糖尿病门诊",
# "前列腺那个科"). Without either, "关节疼" is a complaint and names nothing.
_TREATS = "专看|专治|治疗|看|治|瞧|睇"
_IS_ONE = "的|嘅|滴"
_DEPARTMENT_WORD = "的那个科|那个科|那科|这个科|的科室|科室|专科|专家门诊|的门诊|门诊|的科|科"
_DOCTOR = "的医生|的大夫|嘅医生"
# Words a patient slips between the verb and the thing treated: "看那个心脏的",
# "看一下皮肤的", "看我这个胃的", "睇下皮膚嘅".
_FILLER = "(?:看|一下|下)?(?:那个|这个|那种|我的|我这个|俺的|俺这个|孩子的)?"
# "挂个号 看看俺这个胃", "帮我瞧瞧我的眼睛": having one's own organ looked at, the
# clause ending with it, asks for the department that treats it. Only after a doubled
# or softened verb of looking and a possessive (never a bare "看X", which is a complaint
# or a question about it).
_LOOKED_AT = "看看|看一下|看下|瞧瞧|瞧一下|瞧下|睇睇|睇下|查查|查一下"
_OWNER = "我|俺|我的|俺的|我这个|俺这个|我这|俺这|他的|她的|他这个|她这个"
_CLAUSE_END = r"(?=$|[\s，。,.!！?？~、]|吧|呢|啊|呀|嘛)"
# After the booking's own words the possessive may be left out: "挂个号 看下眼睛", "约个号
# 看看腰" (the patient asks for the organ to be looked at; a bare "看看腰" is not enough).
_ASKED_BOOKING = r"(?:挂|掛|约|約|预约|號|号)[^。!！?？]{0,8}?"
# Words of the treated-things table that are complaints, not organs ("头疼", "拉肚子", "咳嗽").
_COMPLAINT_WORD = re.compile(r"疼|痛|晕|咳|拉肚子|失眠")
# A name cut short, the message's last clause: "消化", "挂号 呼吸", "整个号呗 肿瘤的", "就血液那边".
_SHORT_BEFORE = r"(?:^|(?<=[\s，。,.!！?？~、：:]))(?:就|要|挂|掛|约|約)?"
_SHORT_AFTER = r"(?:的)?(?:那边|那个|那块)?(?:的|嘅|滴)?(?:吧|呗|啊|呀|嘛)?[\s，。,.!！?？~]*$"
# Treatments only one department gives, named as what is booked: "预约针灸", "帮我约个
# 推拿", "约个号做理疗" (data/department_words.yml ``booked``). Never after 了/过 ("做了
# 针灸以后头晕" is a complaint).
_BOOKING_VERB = "预约|约|挂|掛|做|排|安排"
_BOOKING_GAP = r"[^\s，。,.!！?？了过]{0,3}?"
# A window read by sound that is really the start of an everyday word: "身分证就可以"
# sounds like 针灸科 ("证就可" + 以), but 可以 is no 科.
_EVERYDAY_AFTER_KE = ("可以", "可能", "可是", "可爱", "可怕", "可惜", "可乐", "可怜")

# Pinyin confusions of southern accents and hurried typing, folded to one form
# (the same folds as the app's resolver): z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing.
_FOLD_INITIAL = (
    (re.compile(r"^zh"), "z"),
    (re.compile(r"^ch"), "c"),
    (re.compile(r"^sh"), "s"),
    (re.compile(r"^l"), "n"),
)
_FOLD_FINAL = ((re.compile(r"ang$"), "an"), (re.compile(r"eng$"), "en"), (re.compile(r"ing$"), "in"))
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
# A window compared by sound must be at least this long, unless it ends in 科:
# two syllables alone ("风湿" ~ "粉丝") collide with everyday words.
_MIN_FREE_SOUND = 3

_T2S = opencc.OpenCC("t2s")
# Characters typed for 科 by a pinyin keyboard: a two-character window may end in one.
_KE = ("科", "课")


def simplify_characters(text: str) -> str:
    """Traditional characters to simplified (OpenCC t2s), nothing else changed."""
    return _T2S.convert(text) if not text.isascii() else text


def simplify(text: str) -> str:
    """Traditional to simplified (OpenCC), lower case, no spaces between Chinese characters."""
    if not text.isascii():
        text = _T2S.convert(text)
    return _CJK_SPACE.sub("", text.lower())


def sound(text: str) -> tuple[str, ...]:
    """Toneless pinyin with common confusions folded: "心" and "新" sound alike."""
    folded = []
    for syllable in lazy_pinyin(text):
        for pattern, replacement in (*_FOLD_INITIAL, *_FOLD_FINAL):
            syllable = pattern.sub(replacement, syllable)
        folded.append(syllable)
    return tuple(folded)


@dataclass(frozen=True)
class Mention:
    """A department found in a message: where (in the message as typed) and which code."""

    start: int
    end: int
    code: str


def load_names(departments_file: Path = DEPARTMENTS_FILE, routing_file: Path = ROUTING_FILE) -> dict[str, str]:
    """Every known wording -> department code, from the catalogue and the triage typos."""
    catalogue = yaml.safe_load(departments_file.read_text(encoding="utf-8"))["departments"]
    names: dict[str, str] = {}
    for entry in catalogue:
        code = str(entry["code"])
        for name in [entry["name"], *entry.get("aliases", [])]:
            names[simplify(str(name))] = code
    codes = set(names.values())
    if routing_file.exists():
        typos = (yaml.safe_load(routing_file.read_text(encoding="utf-8")) or {}).get("department_typos") or {}
        for typo, code in typos.items():
            if code not in codes:
                raise ValueError(f"{routing_file.name}: unknown department code {code!r} for {typo!r}")
            names[simplify(str(typo))] = str(code)
    return names


def load_words(words_file: Path = WORDS_FILE, codes: Iterable[str] | None = None) -> dict[str, str]:
    """What a department treats -> its code (data/department_words.yml); a department
    the hospital does not book -> "" (found, then dropped)."""
    if not words_file.exists():
        return {}
    data = yaml.safe_load(words_file.read_text(encoding="utf-8")) or {}
    table = data.get("words") or {}
    known = set(codes) if codes is not None else None
    words: dict[str, str] = {}
    for code, listed in table.items():
        if known is not None and code not in known:
            raise ValueError(f"{words_file.name}: unknown department code {code!r}")
        for word in listed:
            words[simplify(str(word))] = str(code)
    for other in data.get("not_ours") or []:
        words[NOT_OURS + simplify(str(other))] = ""
    return words


def load_booked(
    words_file: Path = WORDS_FILE, codes: Iterable[str] | None = None, key: str = "booked"
) -> dict[str, str]:
    """Treatments named as what is booked -> the one department that gives them
    (``booked`` in data/department_words.yml); with ``key="short"``, the names cut short."""
    if not words_file.exists():
        return {}
    table = (yaml.safe_load(words_file.read_text(encoding="utf-8")) or {}).get(key) or {}
    known = set(codes) if codes is not None else None
    booked: dict[str, str] = {}
    for code, listed in table.items():
        if known is not None and code not in known:
            raise ValueError(f"{words_file.name}: unknown department code {code!r}")
        for word in listed:
            booked[simplify(str(word))] = str(code)
    return booked


class DepartmentFinder:
    """Finds department mentions: exact wordings first, then by sound; longest wins."""

    def __init__(
        self,
        names: Mapping[str, str],
        words: Mapping[str, str] | None = None,
        booked: Mapping[str, str] | None = None,
        short: Mapping[str, str] | None = None,
    ) -> None:
        self.names = {k: v for k, v in names.items() if k}
        self.booked = {k: v for k, v in (booked or {}).items() if k}
        self.short = {k: v for k, v in (short or {}).items() if k}
        self.words = {k: v for k, v in (words or {}).items() if k and not k.startswith(NOT_OURS)}
        self.not_ours = [k[len(NOT_OURS) :] for k in (words or {}) if k.startswith(NOT_OURS) and len(k) > 1]
        self.codes = frozenset(self.names.values())
        spoken = {name: code for name, code in self.names.items() if len(name) >= 2 and not name.isascii()}
        self.by_sound = _unambiguous((sound(name), code) for name, code in spoken.items())
        # Names ending in 科 by the sound of what comes before it, for one-syllable typos.
        self.ke_names = _unambiguous((sound(name)[:-1], code) for name, code in spoken.items() if name.endswith("科"))
        self.longest = max(map(len, self.names), default=0)
        self.framed = _framed(self.words)
        self.looked_at = _looked_at(self.words)
        self.booked_pattern = _booked(self.booked)
        self.asked_for = _asked_for(self.words)
        self.short_pattern = _short(self.short)

    @classmethod
    def from_files(cls, extra: Iterable[tuple[str, str]] = ()) -> DepartmentFinder:
        names = load_names()
        for wording, code in extra:
            if code in set(names.values()):
                names.setdefault(simplify(wording), code)
        codes = set(names.values())
        return cls(names, load_words(codes=codes), load_booked(codes=codes), load_booked(codes=codes, key="short"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "names": self.names,
            "words": {**self.words, **{NOT_OURS + k: "" for k in self.not_ours}},
            "booked": self.booked,
            "short": self.short,
        }

    def resolve(self, text: str) -> str | None:
        """The first department named in ``text``, or None."""
        found = self.find(text)
        return found[0].code if found else None

    def find(self, text: str) -> list[Mention]:
        """Department mentions in ``text``, in order, never overlapping, spans in ``text`` as typed.

        Matching runs on the simplified text with spaces between Chinese characters
        taken out ("心 内 科"); an index maps each position back. Should OpenCC ever
        change the length, the whole message is the span.
        """
        converted = simplify_characters(text).lower()
        if len(converted) != len(text):
            return [Mention(0, len(text), code) for code in dict.fromkeys(m.code for m in self.find(converted))]
        kept_at = [i for i in range(len(converted)) if not _between_chinese_space(converted, i)]
        plain = "".join(converted[i] for i in kept_at)
        spans = [(start, start + len(name), code) for name, code in self.names.items() for start in _all(plain, name)]
        spans += self._by_sound(plain)
        spans += self._by_frame(plain)
        spans += self._booked(plain)
        # Clause-bound readings need the spaces the patient typed ("挂号 呼吸"): matched on
        # the text with its spaces, their spans moved onto the text without them.
        plain_at = {at: i for i, at in enumerate(kept_at)}
        spans += [(plain_at[a], plain_at[b - 1] + 1, code) for a, b, code in self._clause_bound(converted)]
        spans += [s for s in self._one_syllable_off(plain) if all(s[1] <= a or s[0] >= b for a, b, _ in spans)]
        spans += [(start, start + len(other), "") for other in self.not_ours for start in _all(plain, other)]
        # Longest first, so "新内科" (心内科 by sound) beats the 内科 inside it.
        spans.sort(key=lambda span: (span[0] - span[1], span[0]))
        kept: list[tuple[int, int, str]] = []
        for start, end, code in spans:
            if all(end <= s or start >= e for s, e, _ in kept):
                kept.append((start, end, code))
        kept.sort()
        return [Mention(kept_at[start], kept_at[end - 1] + 1, code) for start, end, code in kept if code]

    def _by_sound(self, text: str) -> list[tuple[int, int, str]]:
        """Windows compared by pronunciation: any ending in 科, and longer ones anywhere."""
        hits = []
        for end in range(2, len(text) + 1):
            ends_in_ke = text[end - 1] in _KE
            for start in range(max(0, end - self.longest), end - 1):
                if not ends_in_ke and end - start < _MIN_FREE_SOUND:
                    break
                window = text[start:end]
                if not _is_chinese(window):
                    continue
                code = self.by_sound.get(sound(window))
                if window[0] in VERBS_BEFORE_DEPARTMENT and window[1:] in self.names:
                    continue  # "看妇科" is 妇科 asked for, not 康复科 by sound
                if code is not None and text[end - 1 : end + 1] not in _EVERYDAY_AFTER_KE:
                    hits.append((start, end, code))
                    break
        return hits

    def _by_frame(self, text: str) -> list[tuple[int, int, str]]:
        """ "看关节的", "糖尿病门诊": a treated thing inside a frame that makes it a department."""
        if self.framed is None:
            return []
        found = self.framed.finditer(text)
        hits = [(m.start(), m.end(), self.words[m.group("word")]) for m in found if _frames_a_department(m)]
        if self.looked_at is not None:
            hits += [(m.start(), m.end(), self.words[m.group("word")]) for m in self.looked_at.finditer(text)]
        return hits

    def _clause_bound(self, text: str) -> list[tuple[int, int, str]]:
        """ "挂个号 看下眼睛 老是干涩": an organ to be looked at after the booking's words;
        "挂号 呼吸", "肿瘤": a name cut short, the message's last clause."""
        hits = []
        if self.asked_for is not None:
            found = self.asked_for.finditer(text)
            hits += [(m.start("look"), m.end("word"), self.words[m.group("word")]) for m in found]
        if self.short_pattern is not None:
            found = self.short_pattern.finditer(text)
            hits += [(m.start("word"), m.end("word"), self.short[m.group("word")]) for m in found]
        return hits

    def _booked(self, text: str) -> list[tuple[int, int, str]]:
        """ "预约针灸", "约个推拿": a treatment one department gives, after a verb of booking."""
        if self.booked_pattern is None:
            return []
        found = self.booked_pattern.finditer(text)
        return [(m.start("word"), m.end("word"), self.booked[m.group("word")]) for m in found]

    def _one_syllable_off(self, text: str) -> list[tuple[int, int, str]]:
        """ "皮湖科": a window ending in 科 one syllable away from exactly one name ending in 科."""
        hits = []
        for end in range(4, len(text) + 1):
            if text[end - 1] not in _KE:
                continue
            for start in range(max(0, end - self.longest), end - 3):
                window = text[start : end - 1]
                if not _is_chinese(window):
                    continue
                heard = sound(window)
                near = {code for known, code in self.ke_names.items() if _one_apart(heard, known)}
                if len(near) == 1:
                    hits.append((start, end, near.pop()))
        return hits


def _longest_first(words: Iterable[str]) -> str:
    """One alternation of the words, the longest first, so 肾结石 beats 肾."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _framed(words: Mapping[str, str]) -> re.Pattern[str] | None:
    """One pattern for every word in its frames; the longest word first, so 肾结石 beats 肾."""
    if not words:
        return None
    word = _longest_first(words)
    after = f"(?:{_IS_ONE})(?:那个科|科室|科|门诊|医生|大夫)?|{_DEPARTMENT_WORD}"
    return re.compile(f"(?:(?P<treats>{_TREATS}){_FILLER})?(?P<word>{word})(?P<after>{after})")


def _looked_at(words: Mapping[str, str]) -> re.Pattern[str] | None:
    """ "看看俺这个胃", "瞧瞧我的眼睛": one's own organ to be looked at, ending the clause."""
    if not words:
        return None
    word = _longest_first(words)
    return re.compile(f"(?:{_LOOKED_AT})(?:{_OWNER})(?:这个|那个)?(?P<word>{word}){_CLAUSE_END}")


def _asked_for(words: Mapping[str, str]) -> re.Pattern[str] | None:
    """ "挂个号 看下眼睛": after the booking's words, an organ to be looked at, no possessive needed.
    A complaint looked at ("约个号看看头疼") names no department: triage finds it."""
    organs = [w for w in words if not _COMPLAINT_WORD.search(w)]
    if not organs:
        return None
    word = _longest_first(organs)
    owner = f"(?:{_OWNER})?(?:这个|那个)?"
    return re.compile(f"{_ASKED_BOOKING}(?P<look>{_LOOKED_AT}){owner}(?P<word>{word}){_CLAUSE_END}")


def _short(short: Mapping[str, str]) -> re.Pattern[str] | None:
    if not short:
        return None
    word = _longest_first(short)
    return re.compile(f"{_SHORT_BEFORE}(?P<word>{word}){_SHORT_AFTER}")


def _booked(booked: Mapping[str, str]) -> re.Pattern[str] | None:
    if not booked:
        return None
    word = _longest_first(booked)
    return re.compile(f"(?:{_BOOKING_VERB}){_BOOKING_GAP}(?P<word>{word})")


def _frames_a_department(match: re.Match[str]) -> bool:
    """After a verb of treating any frame will do; without one it must say 科 or 门诊."""
    return bool(match.group("treats")) or "科" in match.group("after") or "门诊" in match.group("after")


def _unambiguous(pairs: Iterable[tuple[tuple[str, ...], str]]) -> dict[tuple[str, ...], str]:
    """Sounds that name one department only: 神内 and 肾内 sound alike, so neither is read by sound."""
    seen: dict[tuple[str, ...], set[str]] = {}
    for heard, code in pairs:
        seen.setdefault(heard, set()).add(code)
    return {heard: codes.pop() for heard, codes in seen.items() if len(codes) == 1}


def _one_apart(heard: tuple[str, ...], known: tuple[str, ...]) -> bool:
    """Same number of syllables (two or more), exactly one different and only in its
    initial or only in its final ("湖" for "肤"; not "射" for "疗": 放射科 is no 放疗科)."""
    if len(heard) != len(known) or len(heard) < 3:
        return False
    apart = [(a, b) for a, b in zip(heard, known, strict=True) if a != b]
    return len(apart) == 1 and _near(*apart[0])


_INITIAL = re.compile(r"^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?")


def _near(one: str, other: str) -> bool:
    """Two syllables that share their initial or their final."""
    a, b = _INITIAL.match(one), _INITIAL.match(other)
    start_a, start_b = a.end() if a else 0, b.end() if b else 0
    return one[:start_a] == other[:start_b] or one[start_a:] == other[start_b:]


def _all(text: str, name: str) -> list[int]:
    starts, at = [], text.find(name)
    while at >= 0:
        starts.append(at)
        at = text.find(name, at + 1)
    return starts


def _between_chinese_space(text: str, at: int) -> bool:
    """A space typed between two Chinese characters (typing noise, "胸 口 疼")."""
    if not text[at].isspace():
        return False
    before, after = text[:at].rstrip(), text[at:].lstrip()
    return bool(before) and bool(after) and _is_chinese(before[-1]) and _is_chinese(after[0])


def _is_chinese(text: str) -> bool:
    return all("\u3400" <= char <= "\u9fff" for char in text)
