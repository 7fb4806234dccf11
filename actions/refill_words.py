"""Which prescription a refill is for, in the patient's own words.

Blind set 3 lost three refills here: "二甲雙胍" in traditional characters never
matched the prescription's 二甲双胍, "降压药" names no drug at all but means the
hypertension prescription, and "胰岛素" (not on file) silently became whatever was
on file. So the words of the whole request are read (the drug may be said in the
first message, before any question), in simplified characters, against the drug
names on file, then against what the drug is for (data/refill_words.yml); a drug
that is named and not on file is said so, never swapped for another unasked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml
from rasa_sdk import Tracker

from actions.simplified import simplified

WORDS_PATH = Path(__file__).resolve().parent.parent / "data" / "refill_words.yml"
DRUG_LOOKUP_PATH = Path(__file__).resolve().parent.parent / "data" / "nlu" / "lookups" / "drugs.yml"
JOURNEY_INTENT = "request_refill"
JOURNEY_FORM = "refill_form"
MAX_TEXTS = 12


@dataclass(frozen=True)
class DrugWords:
    by_diagnosis: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    any_prescription: Tuple[str, ...] = ()
    at_the_list: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # illness or purpose -> diagnoses
    clinic_for: Dict[str, str] = field(default_factory=dict)  # a drug or illness word -> department code


def _by_word(section: Any) -> Dict[str, Tuple[str, ...]]:
    return {str(k): tuple(str(v) for v in vs) for k, vs in (section or {}).items()}


@lru_cache(maxsize=1)
def drug_words(path: Path = WORDS_PATH) -> DrugWords:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    clinics = {str(word): str(code) for code, words in _by_word(raw.get("clinic_for")).items() for word in words}
    return DrugWords(
        _by_word(raw.get("by_diagnosis")),
        tuple(str(w) for w in raw.get("any_prescription") or ()),
        _by_word(raw.get("at_the_list")),
        clinics,
    )


def clinic_for(said: Optional[str]) -> Optional[str]:
    """The clinic (department code) that renews a drug or treats an illness the patient
    named, for a drug not on file: where a follow-up visit can prescribe it. The longest
    word found wins ("降糖" before nothing, "单硝酸异山梨酯" before "硝酸甘油")."""
    plain = simplified(said or "")
    words = drug_words().clinic_for
    found = [word for word in words if word and word in plain]
    return words[max(found, key=len)] if found else None


@lru_cache(maxsize=1)
def known_drugs(path: Path = DRUG_LOOKUP_PATH) -> Tuple[str, ...]:
    """Drug names the NLU knows (its lookup table), longest first: a drug said but not on file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names = [
        line.strip()[2:].strip()
        for entry in raw.get("nlu") or []
        for line in str(entry.get("examples") or "").splitlines()
        if line.strip().startswith("- ")
    ]
    return tuple(sorted({n for n in names if n}, key=len, reverse=True))


@dataclass(frozen=True)
class Named:
    """What the patient called the drug (None: no particular one) and the prescriptions it fits."""

    said: Optional[str] = None
    matches: List[Dict[str, Any]] = field(default_factory=list)


def drug_names(rx: Dict[str, Any]) -> List[str]:
    items = rx.get("items") or []
    return [simplified(str(i.get("drug") or i.get("name"))) for i in items if isinstance(i, dict) and i.get("drug")]


def diagnosis(rx: Dict[str, Any]) -> str:
    return simplified(str(rx.get("diagnosis") or ""))


def named_prescriptions(prescriptions: Sequence[Dict[str, Any]], drug: Optional[str], texts: Sequence[str]) -> Named:
    """The prescriptions the patient's words point at, by drug name, then by what the drug is for."""
    said = [simplified(t) for t in texts if t and not t.startswith("/")]
    wanted = simplified(drug or "").strip()
    if wanted:
        said.append(wanted)
    # a drug said by its short name matches the longer one on file ("二甲双胍" is the
    # prescription's 盐酸二甲双胍片: set 4's F47 was told it was not on file)
    short = [d for d in (*known_drugs(), wanted) if d and len(d) >= 2 and any(d in t for t in said)]
    by_name = [
        rx
        for rx in prescriptions
        if any(
            name
            and (
                any(name in t or (not short and _one_off(name, t)) for t in said)  # a typo, no other drug said
                or any(d in name for d in short)
            )
            for name in drug_names(rx)
        )
    ]
    if by_name:
        return Named(next((n for rx in by_name for n in drug_names(rx)), None), by_name)
    words = drug_words()
    for word, diagnoses in words.by_diagnosis.items():
        if any(word in t for t in said):
            fits = [
                rx for rx in prescriptions if any(d in simplified(str(rx.get("diagnosis") or "")) for d in diagnoses)
            ]
            return Named(word, fits)
    if any(word in t for word in words.any_prescription for t in said):
        return Named(None, [])
    other = next((name for name in known_drugs() for t in said if name in t), None)
    return Named(wanted or other, [])


def _one_off(name: str, text: str) -> bool:
    """The drug on file typed with one character wrong ("二甲双瓜" for 二甲双胍, set 10's L02): a
    name of four characters or more (its salt and form left off, as patients say it) that
    a span of the text matches in all but one. Only names on file are read so: a typo never
    says a drug is missing."""
    core = re.sub(r"^(盐酸|苯磺酸|马来酸|琥珀酸|硝苯|酒石酸)|(缓释|控释|肠溶)?(片|胶囊|注射液|粉雾剂)$", "", name)
    if len(core) < 4:
        return False
    for start in range(len(text) - len(core) + 1):
        span = text[start : start + len(core)]
        if sum(a != b for a, b in zip(span, core, strict=True)) == 1:
            return True
    return False


def journey_texts(tracker: Tracker) -> List[str]:
    """What the patient typed since first asking for this refill (that message included).

    The first ask, not the latest message read as one: set 10's L42 said "帮我爸开上次的药",
    then "他有慢阻肺 一直用那个吸的", then "这次没什么不舒服 不喘 就是药快没了", which the NLU
    also read as a refill request; reading back only to that one lost the inhaler, and the
    patient was asked to choose between it and amlodipine. A refill submitted before, or
    another journey's form, ends the reading."""
    texts: List[str] = []
    start: Optional[int] = None
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "action" and event.get("name") == "action_request_refill":
            break
        if kind == "active_loop" and event.get("name") not in (None, JOURNEY_FORM):
            break
        if kind != "user":
            continue
        texts.append(str(event.get("text") or ""))
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == JOURNEY_INTENT:
            # a payload sent for the patient ("/request_refill", the chat edge's reroute of
            # "我的二甲双瓜没有了 还想开"): the words are in the message before it
            start = len(texts) + (1 if texts[-1].startswith("/") else 0)
        if len(texts) >= MAX_TEXTS:
            break
    return list(reversed(texts[:start] if start else texts))
