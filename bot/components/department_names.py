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
  spelling nor sound gives away (colloquial descriptions, dialect).

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

ROOT = Path(__file__).resolve().parents[2]
DEPARTMENTS_FILE = ROOT / "data" / "departments.yml"
ROUTING_FILE = ROOT / "data" / "triage" / "routing.yml"

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


class DepartmentFinder:
    """Finds department mentions: exact wordings first, then by sound; longest wins."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = {k: v for k, v in names.items() if k}
        self.codes = frozenset(self.names.values())
        spoken = {name: code for name, code in self.names.items() if len(name) >= 2 and not name.isascii()}
        self.by_sound = {sound(name): code for name, code in spoken.items()}
        self.longest = max(map(len, self.names), default=0)

    @classmethod
    def from_files(cls, extra: Iterable[tuple[str, str]] = ()) -> DepartmentFinder:
        names = load_names()
        for wording, code in extra:
            if code in set(names.values()):
                names.setdefault(simplify(wording), code)
        return cls(names)

    def as_dict(self) -> dict[str, Any]:
        return {"names": self.names}

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
        # Longest first, so "新内科" (心内科 by sound) beats the 内科 inside it.
        spans.sort(key=lambda span: (span[0] - span[1], span[0]))
        kept: list[tuple[int, int, str]] = []
        for start, end, code in spans:
            if all(end <= s or start >= e for s, e, _ in kept):
                kept.append((start, end, code))
        kept.sort()
        return [Mention(kept_at[start], kept_at[end - 1] + 1, code) for start, end, code in kept]

    def _by_sound(self, text: str) -> list[tuple[int, int, str]]:
        """Windows compared by pronunciation: any ending in 科, and longer ones anywhere."""
        hits = []
        for end in range(2, len(text) + 1):
            ends_in_ke = text[end - 1] == "科"
            for start in range(max(0, end - self.longest), end - 1):
                if not ends_in_ke and end - start < _MIN_FREE_SOUND:
                    break
                window = text[start:end]
                if not _is_chinese(window):
                    continue
                code = self.by_sound.get(sound(window))
                if code is not None:
                    hits.append((start, end, code))
                    break
        return hits


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
