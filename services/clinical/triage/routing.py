"""Getting messages to triage, and department names however they are typed.

Two helpers for the chat edge and the NLU, both plain functions over data:

* :func:`looks_like_symptom` says whether a message describes a complaint,
  even phrased as a question ("孩子发烧39度，要不要去医院") - such a message
  belongs to the triage journey whatever the intent classifier guessed.
* :func:`resolve_department` turns "耳鼻猴科", "內分秘科", "新内科" into a
  department code: by name, alias and known typo, then by pronunciation
  (pypinyin, with the usual z/zh, n/l, an/ang confusions folded), because
  most misspellings come from a pinyin keyboard picking a homophone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pypinyin import lazy_pinyin

from services.clinical.triage.engine import TriageEngine, default_engine
from services.clinical.triage.errors import TriageDataError
from services.clinical.triage.knowledge import DEFAULT_DATA_DIR, DEPARTMENTS_FILE
from services.clinical.triage.patterns import compile_alternatives, find
from shared_rules import VERBS_BEFORE_DEPARTMENT

ROUTING_FILE = "routing.yml"
# Pinyin confusions of southern accents and of hurried typing, folded to one form.
_FOLD = ((re.compile(r"^zh"), "z"), (re.compile(r"^ch"), "c"), (re.compile(r"^sh"), "s"), (re.compile(r"^l"), "n"))
_FOLD_FINAL = ((re.compile(r"ang$"), "an"), (re.compile(r"eng$"), "en"), (re.compile(r"ing$"), "in"))


class RoutingFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=3)
    department_typos: dict[str, str] = {}
    not_complaints: list[str] = []
    admin_words: list[str] = Field(min_length=1)
    complaint_words: list[str] = Field(min_length=1)
    asking_words: list[str] = Field(min_length=1)
    errand_words: list[str] = []
    acute_words: list[str] = []


def sound(text: str) -> tuple[str, ...]:
    """Toneless pinyin with common confusions folded: "心" and "新" sound alike."""
    folded = []
    for syllable in lazy_pinyin(text):
        for pattern, replacement in (*_FOLD, *_FOLD_FINAL):
            syllable = pattern.sub(replacement, syllable)
        folded.append(syllable)
    return tuple(folded)


@dataclass(frozen=True, slots=True)
class DepartmentResolver:
    """Department names, aliases and typos → code; exact first, then by sound."""

    by_name: dict[str, str]
    by_sound: dict[tuple[str, ...], str]
    longest: int

    @classmethod
    def build(cls, engine: TriageEngine, routing: RoutingFile, departments_file: Path) -> DepartmentResolver:
        raw = yaml.safe_load(departments_file.read_text(encoding="utf-8"))
        names: dict[str, str] = {}
        for entry in raw["departments"]:
            for name in [entry["name"], *entry.get("aliases", [])]:
                names[engine.normalize(str(name))] = str(entry["code"])
        for typo, code in routing.department_typos.items():
            if code not in engine.knowledge.departments:
                raise TriageDataError(f"{ROUTING_FILE}: unknown department code {code!r} for {typo!r}")
            names[engine.normalize(typo)] = code
        by_sound = {sound(name): code for name, code in names.items() if len(name) >= 2}
        return cls(names, by_sound, max(map(len, names)))

    def resolve(self, text: str) -> str | None:
        """The department the text names, or None."""
        found = self.find(text)
        return found[0] if found else None

    def find(self, text: str) -> list[str]:
        """Department codes named in ``text`` (already normalised), in order of appearance.

        The longest name wins where names overlap, so "新内科" (xin nei ke,
        心内科 by sound) is cardiology, not the 内科 inside it.
        """
        spans = [(at, at + len(name), code) for name, code in self.by_name.items() if (at := text.find(name)) >= 0]
        spans += self._by_sound(text)
        spans.sort(key=lambda span: span[0] - span[1])
        kept: list[tuple[int, int, str]] = []
        for start, end, code in spans:
            if all(end <= s or start >= e for s, e, _ in kept):
                kept.append((start, end, code))
        kept.sort()
        return list(dict.fromkeys(code for _, _, code in kept))

    def _by_sound(self, text: str) -> list[tuple[int, int, str]]:
        """Windows ending in 科 (or the whole message) compared by pronunciation, longest first."""
        ends = [i + 1 for i, char in enumerate(text) if char == "科"] or [len(text)]
        hits = []
        for end in ends:
            for start in range(max(0, end - self.longest), end - 1):
                if text[start] in VERBS_BEFORE_DEPARTMENT and text[start + 1 : end] in self.by_name:
                    continue  # "看妇科" (kan fu ke) asks for 妇科, though it sounds like 康复科
                code = self.by_sound.get(sound(text[start:end]))
                if code is not None:
                    hits.append((start, end, code))
                    break
        return hits


# Everyday words that hold a complaint word's character and say no complaint: "麻烦" (trouble,
# "麻烦您" please) is no 麻 (numbness). Set 11's M20 "算了 改来改去麻烦 直接退了吧" read as a
# complaint, so the cancellation was no errand and the learned layer alone told it to call 120.
# The red-flag rules, nets and symptom matcher still read the whole text.
_NOT_A_COMPLAINT = re.compile(r"麻烦")


@dataclass(frozen=True, slots=True)
class SymptomRouter:
    """Decides whether a message is a complaint that triage should answer."""

    engine: TriageEngine
    departments: DepartmentResolver
    not_complaints: frozenset[str]
    admin: re.Pattern[str]
    complaint: re.Pattern[str]
    asking: re.Pattern[str]
    errand: re.Pattern[str] | None = None
    acute: re.Pattern[str] | None = None

    def looks_like_symptom(self, text: str) -> bool:
        normalized = self.engine.normalize(text or "")
        if not normalized.strip():
            return False
        if self.engine.red_flags(text) or self.engine.safety_nets(text):
            return True
        # "发热门诊几点开" names a clinic, not a fever.
        for name in sorted(self.departments.by_name, key=len, reverse=True):
            normalized = normalized.replace(name, "，")
        complaints = [m for m in self.engine.matched_symptoms(normalized) if m not in self.not_complaints]
        said_complaint = find(self.complaint, _NOT_A_COMPLAINT.sub("，", normalized)) is not None
        errand = find(self.admin, normalized) is not None
        if complaints:
            return said_complaint or find(self.asking, normalized) is not None or not errand
        return said_complaint and not errand

    def reads_as_errand(self, text: str) -> bool:
        """An errand about an appointment, a code or a payment already made, or the
        conversation's own business (a correction, a changed time of day, a form answer,
        results, asking for a person, visiting), with nothing sudden and no complaint in it:
        the learned layer alone called "帮我妈把明天的号退了，她去不了了" and "哎不对不对 上午俺得
        送孩子 改下午吧" emergencies. Booking a new visit is not such an errand ("帮我挂个号，
        我爸说话都听不懂了" is the layer's to judge)."""
        normalized = self.engine.normalize(text or "")
        if self.errand is None or not self.errand.search(normalized):
            return False
        if self.acute is not None and self.acute.search(normalized):
            return False
        return not self.looks_like_symptom(text)


def load_routing(data_dir: Path = DEFAULT_DATA_DIR) -> RoutingFile:
    try:
        raw = yaml.safe_load((data_dir / ROUTING_FILE).read_text(encoding="utf-8"))
        return RoutingFile.model_validate(raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise TriageDataError(f"{ROUTING_FILE}: {exc}") from exc


@lru_cache(maxsize=1)
def default_router() -> SymptomRouter:
    """Built once on first use, from the shipped data."""
    engine = default_engine()
    routing = load_routing()
    resolver = DepartmentResolver.build(engine, routing, DEFAULT_DATA_DIR.parent / DEPARTMENTS_FILE)
    known = {s.spec.id for s in engine.knowledge.symptoms}
    unknown = set(routing.not_complaints) - known
    if unknown:
        raise TriageDataError(f"{ROUTING_FILE}: unknown symptoms {sorted(unknown)}")
    return SymptomRouter(
        engine,
        resolver,
        frozenset(routing.not_complaints),
        compile_alternatives(routing.admin_words, {}, ROUTING_FILE),
        compile_alternatives(routing.complaint_words, {}, ROUTING_FILE),
        compile_alternatives(routing.asking_words, {}, ROUTING_FILE),
        compile_alternatives(routing.errand_words, {}, ROUTING_FILE) if routing.errand_words else None,
        compile_alternatives(routing.acute_words, {}, ROUTING_FILE) if routing.acute_words else None,
    )


def looks_like_symptom(text: str) -> bool:
    """True when ``text`` describes a complaint (even as a question): send it to triage."""
    return default_router().looks_like_symptom(text)


def reads_as_errand(text: str) -> bool:
    """True when ``text`` asks an errand (cancel, my appointment, pay, a person) and describes no complaint."""
    return default_router().reads_as_errand(text)


def resolve_department(text: str) -> str | None:
    """The department code named in ``text`` ("耳鼻猴科" → ``ent``), or None."""
    router = default_router()
    return router.departments.resolve(router.engine.normalize(text or ""))
