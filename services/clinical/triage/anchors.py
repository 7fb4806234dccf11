"""The characters a pattern cannot match without, so a rule whose characters are all absent is skipped.

Why: the edge runs every red-flag rule and emergency net on every chat message, and with
125 rules and 154 nets the scans themselves, not what they find, became the edge's cost
(issue 10 asks for a p99 under 1 ms; the last machine measured ~1.1 ms). Nearly every
pattern needs at least one of a few Chinese characters (胸, 喘, 抽, 血...), and a short
message holds only a few dozen distinct characters, so one set intersection tells most
rules they cannot fire, before any regex runs.

The set is derived from the compiled regex itself (Python's own parser), never written by
hand, so it cannot drift from the rule: a pattern whose match could avoid every character
of its set would make the set wrong, and the derivation only ever takes characters that
every match must contain. Where that cannot be said (a case-insensitive pattern, a class
such as ``\\d`` or ``.``, an optional part), the answer is ``None``: always scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

Anchors = frozenset[str] | None

# A small character range ([0-9], [一二三]) is spelt out; a wide one gives no anchor.
_WIDEST_RANGE = 64


def required_chars(pattern: re.Pattern[str] | None) -> Anchors:
    """Characters of which every match of ``pattern`` contains at least one; None if unknown."""
    if pattern is None or pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # an unparseable pattern would not have compiled; stay safe anyway
        return None
    return _sequence(list(parsed))


def all_of(patterns: Iterable[re.Pattern[str] | None]) -> Anchors:
    """Anchors of patterns that must all match: the most selective one's."""
    best: Anchors = None
    for pattern in patterns:
        chars = required_chars(pattern)
        if chars is not None and (best is None or len(chars) < len(best)):
            best = chars
    return best


def either(*anchors: Anchors) -> Anchors:
    """Anchors of alternatives (any one may match): their union, unknown if any is."""
    union: set[str] = set()
    for chars in anchors:
        if chars is None:
            return None
        union |= chars
    return frozenset(union)


class AnchorIndex:
    """Which of a list of patterns could match a text, found from the text's own characters.

    A message holds a few dozen distinct characters; looking each up gives the few rules
    worth scanning without touching the others at all (a per-rule set test still cost a
    call per rule). Patterns without anchors are always candidates."""

    def __init__(self, anchors: Sequence[Anchors]) -> None:
        self._always = frozenset(i for i, chars in enumerate(anchors) if chars is None)
        by_char: dict[str, list[int]] = {}
        for i, chars in enumerate(anchors):
            for char in chars or ():
                by_char.setdefault(char, []).append(i)
        self._by_char = {char: tuple(indices) for char, indices in by_char.items()}

    def candidates(self, text: str) -> list[int]:
        """Indices, in list order, of the patterns that might match ``text``."""
        found = set(self._always)
        by_char = self._by_char
        for char in set(text):
            indices = by_char.get(char)
            if indices is not None:
                found.update(indices)
        return sorted(found)


def _sequence(items: Sequence[tuple[Any, Any]]) -> Anchors:
    """A concatenation needs every element: the most selective element's characters."""
    best: Anchors = None
    for op, av in items:
        chars = _element(op, av)
        if chars is not None and (best is None or len(chars) < len(best)):
            best = chars
    return best


def _element(op: Any, av: Any) -> Anchors:
    if op is sre.LITERAL:
        return frozenset({chr(av)})
    if op is sre.IN:
        return _char_class(av)
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, inner = av
        return None if add_flags & re.IGNORECASE else _sequence(list(inner))
    if op is sre.BRANCH:
        _unused, branches = av
        return either(*(_sequence(list(branch)) for branch in branches))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, _high, inner = av
        return _sequence(list(inner)) if low >= 1 else None
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(list(av))
    return None  # ANY, AT, assertions, NOT_LITERAL, categories, group references


def _char_class(items: Sequence[tuple[Any, Any]]) -> Anchors:
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < _WIDEST_RANGE:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY (\d, \s), a wide range: anything may match
            return None
    return frozenset(chars)
