"""The edge skips a rule whose anchor characters are absent: that skip must never lose a match.

Soundness is checked three ways: by hand on the regex shapes staff write, by Hypothesis
generating strings that match every real red-flag rule and net pattern (each must contain
one of its anchors), and by every message of the blind sets and corpora, whose red flags and
emergency nets must be what a scan of every rule finds.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.clinical.triage.anchors import AnchorIndex, all_of, either, required_chars
from services.clinical.triage.demographics import extract
from services.clinical.triage.engine import TriageEngine, _applies
from services.clinical.triage.nets import evaluate_nets

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine() -> TriageEngine:
    return TriageEngine.from_directory()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("胸口疼", "胸"),  # any single character of a sequence is required; the first of the tightest
        ("胸(?:口|前)?痛", "胸"),
        ("抽搐|抽风|惊厥", "抽惊"),
        ("[喘憋]不上气", "不"),
        ("(?:喘|憋)+", "喘憋"),
        (r"血压\d+", "血"),
        ("[0-3]个月", "个"),
    ],
)
def test_anchors_of_written_shapes(pattern: str, expected: str) -> None:
    assert required_chars(re.compile(pattern)) == frozenset(expected)


@pytest.mark.parametrize(
    "pattern",
    [r"\d{3}", r".+", "(?:胸)?", "[^胸]", "(?i)chest", "胸*", r"(?:\d|疼)"],
)
def test_no_anchor_where_a_match_could_avoid_every_character(pattern: str) -> None:
    assert required_chars(re.compile(pattern)) is None


def test_alternatives_are_unknown_if_one_is_and_all_of_takes_the_tightest() -> None:
    assert either(frozenset("a"), None) is None
    assert either(frozenset("a"), frozenset("b")) == frozenset("ab")
    assert all_of([re.compile("抽搐|惊厥"), re.compile("发烧")]) == frozenset("发")


def test_index_returns_candidates_in_order_and_always_the_unanchored() -> None:
    index = AnchorIndex([frozenset("胸"), None, frozenset("喘憋"), frozenset("胸喘")])
    assert index.candidates("我喘") == [1, 2, 3]
    assert index.candidates("头疼") == [1]
    assert index.candidates("胸口憋") == [0, 1, 2, 3]


def _real_cases(engine: TriageEngine) -> list[tuple[str, list[re.Pattern[str]], frozenset[str] | None]]:
    """Each way a real rule or net fires (patterns that must all match), with its anchors."""
    cases = []
    for rule in engine.knowledge.red_flags:
        if rule.any is not None:
            cases.append((rule.spec.id, [rule.any], rule.anchors))
        if rule.all:
            cases.append((rule.spec.id, list(rule.all), rule.anchors))
    for net in engine.knowledge.nets.nets:
        words = [pattern for pattern in (net.text, net.text_also) if pattern is not None]
        if words:
            cases.append((net.spec.id, words, net.anchors))
    return cases


def test_every_real_rule_and_net_has_anchors_where_its_words_allow(engine: TriageEngine) -> None:
    assert all(rule.anchors is not None for rule in engine.knowledge.red_flags)
    worded = [net for net in engine.knowledge.nets.nets if net.text is not None or net.text_also is not None]
    assert sum(net.anchors is not None for net in worded) >= 0.9 * len(worded)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_generated_matches_of_real_patterns_contain_an_anchor(engine: TriageEngine, data: st.DataObject) -> None:
    name, patterns, anchors = data.draw(st.sampled_from(_real_cases(engine)))
    text = "，".join(data.draw(st.from_regex(pattern, fullmatch=True)) for pattern in patterns)
    if anchors is not None and all(pattern.search(text) for pattern in patterns):
        assert not anchors.isdisjoint(text), (name, text)


def _messages() -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "tests/triage/blind").glob("set_*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    for name in ("red_flag_corpus.txt", "non_emergency_corpus.txt"):
        texts += [line.strip() for line in (ROOT / "tests/triage" / name).open(encoding="utf-8") if line.strip()]
    return texts


def test_indexed_red_flags_and_nets_equal_a_scan_of_every_one(engine: TriageEngine) -> None:
    """On thousands of real messages the index drops no rule or net that a full scan would fire."""
    knowledge = engine.knowledge
    unindexed = replace(knowledge.nets)  # a copy whose index offers every net
    object.__setattr__(unindexed, "index", AnchorIndex([None] * len(knowledge.nets.nets)))
    messages = _messages()
    assert len(messages) > 5000
    fired = 0
    for message in messages:
        text = engine.normalize(message)
        who = extract(text)
        indexed = [hit.id for hit in engine._red_flags(text, who)]
        scanned = [
            rule.spec.id
            for rule in knowledge.red_flags
            if _applies(rule.spec.when, who) and TriageEngine._match_rule(rule, text) is not None
        ]
        assert indexed == scanned, message
        findings = engine._findings(text, who)
        nets = [hit.id for hit in evaluate_nets(knowledge.nets, text, findings, who)]
        assert nets == [hit.id for hit in evaluate_nets(unindexed, text, findings, who)], message
        fired += bool(scanned) + bool(nets)
    assert fired > 1000


def test_nets_index_follows_a_replaced_list_of_nets(engine: TriageEngine) -> None:
    """A knowledge copy with fewer nets (tests and tools build them) gets its own index."""
    nets = engine.knowledge.nets
    fewer = replace(nets, nets=nets.nets[:3])
    every_character = "".join(chr(code) for code in range(0x4E00, 0x9FA6))
    assert fewer.index.candidates(every_character) == [0, 1, 2]
