"""The patient's words without the clauses that only deny: a second reading for the learned layer.

The learned layer reads denied signs marked apart (:func:`learned.without_denials`), but the
words around a denial stay: "没听到响声 骨头按着不怎么疼 外面一圈肿" (a sprained ankle, blind
conversation set 18, tuning material) was P(emergency) 0.45 on "听到响声", "骨头", "按着" and
got 120 from the layer alone. Said without its denials it is the swelling of a sprain
(NICE CKS "Sprains and strains": swelling and bruising, weight bearing possible - no emergency).

This module only removes: a clause (split at the clause spaces normalisation kept and at
punctuation) goes when it holds a sign the negation reader (negation.py, the rules' own) calls
denied and no sign said plainly, or when it opens with a negation cue ("没听到响声", "不是突然的")
and names no sign and no function whose absence is itself a finding (胎动, 吃奶, 认人, 尿, 醒...);
a stopped breath ("突然不喘气") is always kept.
The learned layer then keeps the reading with the lower emergency probability
(:meth:`learned.LearnedLayer.predict`), so a denial can only reassure: "不发烧 但是胸口压着疼
出冷汗" keeps its chest-pain clause and stays 120. The rules never see this text.
"""

from __future__ import annotations

import re

from services.clinical.triage.negation import CUE, is_negated

#: Clause ends besides the kept clause spaces.
_PUNCTUATION = "，,。；;！!？?、"
#: An absence that is itself a finding ("没感觉到胎动", "不吃奶", "不认人", "没放屁", "不褪色", "叫不醒"):
#: a clause opening with a cue and naming one of these is kept.
_ABSENT_FINDING = re.compile(
    r"胎动|奶|吃|喝|认|屁|排气|排便|褪色|想|尿|醒|动|说话|出声|哭|站|走|反应|意识|知觉|呼吸|心跳|脉|气|看|听得?见"
)

#: "突然不喘气", "没喘气了": read as a denied 喘 by the negation reader, but an absence of breath that
#: may be an arrest (a baby, a collapse) or an apnoea; such a clause is always kept.
_STOPPED_BREATHING = re.compile(r"(?:不|没有?)(?:喘气|出气)")


def _clauses(text: str) -> list[tuple[int, int]]:
    breaks = set(getattr(text, "breaks", ()))
    bounds: list[tuple[int, int]] = []
    lo = 0
    for at, char in enumerate(text):
        if at in breaks and at > lo:
            bounds.append((lo, at))
            lo = at
        if char in _PUNCTUATION:
            bounds.append((lo, at + 1))
            lo = at + 1
    if lo < len(text):
        bounds.append((lo, len(text)))
    return bounds


def without_denied_clauses(normalized: str, signs: re.Pattern[str]) -> str:
    """``normalized`` without its clauses that only deny; the plain text when none does.

    ``signs`` are the learned layer's denied signs (:data:`learned.DENIED_SIGNS`); a sign
    counts as denied as the rules read it, without history ("去年得过心梗" stays).
    Takes the :class:`~services.clinical.triage.normalize.Normalized` text (its clause
    breaks) and returns a plain ``str``.
    """
    kept: list[str] = []
    for lo, hi in _clauses(normalized):
        said = denied = False
        for match in signs.finditer(normalized, lo, hi):
            if is_negated(normalized, match.start(), match.end(), history=False):
                denied = True
            else:
                said = True
        body = normalized[lo:hi].strip(_PUNCTUATION + " ")
        opens_denial = CUE.match(body) is not None and _ABSENT_FINDING.search(body) is None
        if _STOPPED_BREATHING.search(body) is not None:
            said = True
        if not said and (denied or opens_denial):
            continue
        kept.append(normalized[lo:hi])
    return "".join(kept)
