"""The fleet bench's before/after reply check (bench/rasa_fleet.py): a turn the load turned
into the apology must not count as the code saying something else, and a changed answer must."""

from __future__ import annotations

from collections import Counter

from bench.rasa_fleet import APOLOGY, _apology_start, _dated_away, answered_replies


def test_dates_are_masked_and_the_apology_is_named() -> None:
    said = _dated_away(["心血管内科 12月8日(周二) 还有这些号", _apology_start() + "010-12345678"])
    assert said == ("心血管内科 ##月#日(周二) 还有这些号", APOLOGY)


def test_answered_turns_compare_apologies_aside() -> None:
    before: Counter[tuple[str, ...]] = Counter([("你好", "想约哪一天", "好的"), ("你好", "想约哪一天", "好的")])
    after: Counter[tuple[str, ...]] = Counter([("你好", APOLOGY, "好的"), ("你好", "想约哪一天", "好的")])
    assert answered_replies(before) == answered_replies(after)
    changed: Counter[tuple[str, ...]] = Counter([("你好", "想约哪一天", "不客气")])
    assert answered_replies(before) != answered_replies(changed)
