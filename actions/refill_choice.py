"""Which prescription on the refill list the patient's words point at.

Conversation set 17 (tuning material) lost refills at "要续开哪一张处方？": N38 typed
"有两个？我要降血脂那个 阿托伐他汀", the NLU read a new complaint and self-triage asked how long
it had lasted; N53 typed "就是上个月心内科开的那张" and heard the main menu. A patient at the list
points at a prescription the way people do: by a drug on it, the illness it treats, what it
is for (降压, 降血脂), the clinic that wrote it, the month it was written, or its place in the
list. Each of these picks some of the prescriptions offered; where they agree on exactly one,
that one is chosen whatever intent the NLU read. "不是降压那个" leaves the one(s) it does not
name.

Illness, clinic and month words only point when a pointing word follows them (an illness:
right after, "降血脂那个", "高血压的"; a clinic or a month: in the same clause, "上个月心内科开的
那张"): "上个月抽血甲功正常" and "血压最近挺稳" say how the patient is, they choose nothing.
Pure functions; the list and today's date come from the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Dict, List, Optional, Sequence, Set

from actions.common import _catalogue, normalise_department
from actions.numbers import _NUM, cn_to_int, parse_choice
from actions.refill_words import _one_off, drug_names, drug_words, known_drugs
from actions.simplified import simplified
from shared_rules import PLACEHOLDER_IN_TEXT

# right after an illness: "降血脂那个", "高血压的", "哮喘药"; "血脂的指标正常了" points at nothing
RIGHT_AFTER = re.compile(r"\s*(?:的(?:那|这|药|处方|方子|单子|[，,。\s？?！!]|$)|那|这|药|开|处方|方子|单子)")
# later in the same clause, after a clinic or a month: "上个月心内科开的那张"
IN_CLAUSE = re.compile(r"开|那[张个份]|这[张个份]|处方|方子|单子|的$")
CLAUSE_END = re.compile(r"[，,。；;！!？?]")
CLAUSE_LENGTH = 10
# "不是降压那个", "不要哮喘的": the words up to the next pause, "是" or "要" name what is refused
REFUSED = re.compile(r"(?<!是)(?:不是|不要)(.*?)(?=[，,。；;！!？?\s]|而是|是|要|$)")
ORDINAL = re.compile(rf"第\s*({_NUM})\s*(?:个|张|项|条|份|种)")
LAST = re.compile(r"最后(?:一|那)?[个张份]|最下面(?:那|的)|倒数第一")
SALT_OR_FORM = re.compile(
    r"^(盐酸|苯磺酸|马来酸|琥珀酸|酒石酸|甲磺酸)|(缓释|控释|肠溶)?(钙)?(片|胶囊|注射液|粉雾剂|气雾剂|吸入剂)$"
)


@dataclass(frozen=True)
class ListAnswer:
    """What an answer at the list points at: ``chosen`` when exactly one prescription fits;
    ``pointed`` when the words named prescriptions at all (then none or several may fit)."""

    chosen: Optional[Dict[str, Any]] = None
    pointed: bool = False
    fits: List[Dict[str, Any]] = field(default_factory=list)


def read_list_answer(text: str, offered: Sequence[Dict[str, Any]], today: date) -> ListAnswer:
    """The prescription among ``offered`` (in list order) the words choose, if any."""
    plain = re.sub(r"\s+", " ", PLACEHOLDER_IN_TEXT.sub(" ", simplified(text or ""))).strip()
    if not plain or plain.startswith("/") or not offered:
        return ListAnswer()
    refused_spans = [m.group(1) for m in REFUSED.finditer(plain) if m.group(1)]
    kept = REFUSED.sub(" ", plain)
    wanted = _pointed_sets(kept, offered, today)
    refused: Set[str] = set()
    for span in refused_spans:
        for named in _pointed_sets(span, offered, today):
            refused |= named
    if not wanted and not refused:
        return ListAnswer()
    left = {str(rx.get("id")) for rx in offered}
    for chosen_ids in wanted:
        left &= chosen_ids
    left -= refused
    fits = [rx for rx in offered if str(rx.get("id")) in left]
    return ListAnswer(fits[0] if len(fits) == 1 else None, True, fits)


def _pointed_sets(text: str, offered: Sequence[Dict[str, Any]], today: date) -> List[Set[str]]:
    """One set of prescription ids per kind of pointer found in the text."""
    found = [
        by_place(text, offered),
        by_drug(text, offered),
        by_illness(text, offered),
        by_clinic(text, offered),
        by_month(text, offered, today),
    ]
    return [ids for ids in found if ids is not None]


def by_place(text: str, offered: Sequence[Dict[str, Any]]) -> Optional[Set[str]]:
    """ "第二个", "第2张", "最后那个": a place in the list."""
    ordinal = ORDINAL.search(text)
    index = cn_to_int(ordinal.group(1)) if ordinal else (len(offered) if LAST.search(text) else parse_choice(text))
    if index is None:
        return None
    return {str(offered[index - 1].get("id"))} if 0 < index <= len(offered) else set()


def drug_core(name: str) -> str:
    """A drug's name as said, without salt and form: 苯磺酸氨氯地平片 -> 氨氯地平."""
    return SALT_OR_FORM.sub("", SALT_OR_FORM.sub("", name))


def by_drug(text: str, offered: Sequence[Dict[str, Any]]) -> Optional[Set[str]]:
    """A drug named: the prescriptions that have it (the empty set when none has: a drug
    said that is not on the list); a drug on file typed with one character wrong too."""
    said = [d for d in known_drugs() if len(d) >= 2 and d in text and not d.endswith("药")]
    hits: Set[str] = set()
    for rx in offered:
        for name in drug_names(rx):
            core = drug_core(name)
            named = name in text or (len(core) >= 2 and core in text) or any(d in name for d in said)
            if named or (not said and _one_off(name, text)):  # a typo only when no other drug is said
                hits.add(str(rx.get("id")))
    return hits if hits or said else None


def _right_after(text: str, end: int) -> bool:
    return bool(RIGHT_AFTER.match(text, end))


def _in_clause(text: str, end: int) -> bool:
    clause = CLAUSE_END.split(text[end:], maxsplit=1)[0][:CLAUSE_LENGTH]
    return bool(IN_CLAUSE.search(clause))


def by_illness(text: str, offered: Sequence[Dict[str, Any]]) -> Optional[Set[str]]:
    """The illness or purpose said ("降血脂那个", "高血压的", "哮喘那张"): the prescriptions
    whose diagnosis names it."""
    words = drug_words()
    table = {**words.by_diagnosis, **words.at_the_list}
    fragments: Set[str] = set()
    for word, diagnoses in sorted(table.items(), key=lambda kv: -len(kv[0])):
        for match in re.finditer(re.escape(word), text):
            if word.startswith("降") or word.endswith(("药", "的", "喷雾")) or _right_after(text, match.end()):
                fragments.update(diagnoses)
    for rx in offered:  # the diagnosis on file said as it is written ("高脂血症那张")
        written = simplified(str(rx.get("diagnosis") or ""))
        if written and written in text:
            fragments.add(written)
    if not fragments:
        return None
    return {
        str(rx.get("id")) for rx in offered if any(f in simplified(str(rx.get("diagnosis") or "")) for f in fragments)
    }


def by_clinic(text: str, offered: Sequence[Dict[str, Any]]) -> Optional[Set[str]]:
    """The clinic that wrote it ("心内科开的那张"): the prescriptions from that department."""
    forms = _catalogue()["forms"]
    said = sorted((f for f in forms if len(f) >= 2 and f in text), key=len, reverse=True)
    if not said or not _in_clause(text, text.index(said[0]) + len(said[0])):
        return None
    code = forms[said[0]]
    return {str(rx.get("id")) for rx in offered if normalise_department(str(rx.get("department") or "")) == code}


MONTH = re.compile(rf"({_NUM})\s*月(?:\s*({_NUM})\s*[号日])?")
LAST_MONTH = re.compile(r"上个?月")
THIS_MONTH = re.compile(r"这个月|本月")
NEWEST = re.compile(r"最近(?:开|那|这)|最新|新开的|后开的")


def by_month(text: str, offered: Sequence[Dict[str, Any]], today: date) -> Optional[Set[str]]:
    """When it was written: "上个月开的", "这个月的", "11月8号那张", "最新开的"."""
    issued = {str(rx.get("id")): _issued(rx) for rx in offered}
    newest = NEWEST.search(text)
    if newest:
        days = [d for d in issued.values() if d]
        return {i for i, d in issued.items() if d and d == max(days)} if days else set()
    first_of_this = today.replace(day=1)
    last = LAST_MONTH.search(text)
    if last and _in_clause(text, last.end()):
        previous = first_of_this - timedelta(days=1)
        return {i for i, d in issued.items() if d and (d.year, d.month) == (previous.year, previous.month)}
    this = THIS_MONTH.search(text)
    if this and _in_clause(text, this.end()):
        return {i for i, d in issued.items() if d and (d.year, d.month) == (today.year, today.month)}
    said = MONTH.search(text)
    if said and _in_clause(text, said.end()):
        month, day = cn_to_int(said.group(1)), cn_to_int(said.group(2)) if said.group(2) else None
        if month is None or not 1 <= month <= 12:
            return None
        return {i for i, d in issued.items() if d and d.month == month and (day is None or d.day == day)}
    return None


def _issued(rx: Dict[str, Any]) -> Optional[date]:
    try:
        return date.fromisoformat(str(rx.get("issued_on") or "")[:10])
    except ValueError:
        return None
