"""data/emergency/: every first-aid entry names red-flag rules that exist, cites a
source and says what to do now, while waiting and why not to wait; and the choice
among several rules that fired is the specific one, never an adult's for a baby."""

from __future__ import annotations

import re

import pytest
import yaml

from config import ROOT
from services.conversation import emergency

TRIAGE = ROOT / "data" / "triage"


def rule_ids() -> set[str]:
    """Ids of the triage engine's red-flag rules and safety nets (read, not edited, here)."""
    ids: set[str] = set()
    for name in ("red_flags.yml", "nets.yml"):
        ids |= set(re.findall(r"^\s+- id: ([a-z0-9_]+)", (TRIAGE / name).read_text(encoding="utf-8"), re.M))
    return ids


def test_every_entry_names_real_rules_and_has_a_source_and_all_three_texts() -> None:
    entries, child = emergency.first_aid_entries()
    known = rule_ids()
    assert child in {e.id for e in entries}
    for entry in entries:
        assert entry.rules and entry.rules <= known, (entry.id, sorted(entry.rules - known))
        assert len(entry.source) > 10 and entry.advice and entry.waiting and entry.why_now
    claimed = [r for e in entries for r in e.rules]
    assert len(claimed) == len(set(claimed)), "a rule belongs to one entry"


@pytest.mark.parametrize(
    ("rules", "text", "expected"),
    [
        (["breathing_difficulty", "infant_unwell"], "两个月的宝宝嘴唇发紫", "newborn_infant"),
        (["chest_pain_cardiac", "breathing_difficulty"], "我爸胸口压着疼，喘不上气", "chest_pain"),
        (["breathing_difficulty"], "宝宝嘴唇发紫，喘得厉害", "child"),
        (["asthma_attack_severe"], "孩子哮喘发作，喷了药不管用", "child"),
        (["breathing_difficulty"], "我喘不上气", "breathing"),
        (["febrile_or_child_seizure"], "孩子眼睛往上翻，手脚抖", "febrile_seizure"),
        (["overdose_count", "suicide_risk"], "吃了一整瓶安眠药", "overdose_poisoning"),
    ],
)
def test_the_specific_entry_wins_and_babies_never_get_adult_advice(rules: list[str], text: str, expected: str) -> None:
    chosen = emergency.first_aid_for(rules, text)
    assert chosen is not None and chosen.id == expected


def test_no_entry_means_no_first_aid_for_an_adult() -> None:
    assert emergency.first_aid_for(["no_such_rule"], "我不舒服") is None


def test_the_conversation_file_has_every_kind_and_reply() -> None:
    raw = yaml.safe_load((ROOT / "data" / "emergency" / "conversation.yml").read_text(encoding="utf-8"))
    assert set(raw["patterns"]) == set(emergency.KINDS)
    for kind in ("called", "while_waiting", "delay", "closing", "booking", "location"):
        assert kind in raw["replies"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("/emergency_called", "called"),
        ("已经联系120了", "called"),
        ("要不要叫救护车", "delay"),  # yes, now: the delay answer says so
        ("救护车还没到，我该做点什么", "while_waiting"),
        ("她现在睡着了，是不是等明天再看", "delay"),
        ("要不要等等", "delay"),
        ("睡着了明天再说", "delay"),
        ("急诊在哪", "location"),
        ("帮我挂个明天的神经内科", "booking"),
        ("好的", "closing"),
        ("谢谢", "closing"),
        ("再见", "closing"),
        ("好的，谢谢医生！", "closing"),
        ("好的，那他的药还要吃吗", None),
    ],
)
def test_follow_ups_are_recognised(text: str, kind: str | None) -> None:
    assert emergency.classify(text) == kind


def test_the_bots_own_emergency_answer_is_recognised() -> None:
    """utter_triage_emergency (bot/domain.yml) starts the journey too: its wording must
    keep matching, or a later "好的" would get a goodbye again."""
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    variations = [str(v.get("text", "")) for v in domain["responses"]["utter_triage_emergency"]]
    assert variations and all(emergency.BOT_EMERGENCY.search(t) for t in variations)
