"""Emergencies of the tuning sets that only the learned layer caught, now caught by the rules alone
(issue 10), read from ``tests/triage/layer_only_fixed.yml``.

Held out with sets F-I in the layer's corpus, thirteen emergencies fell under the layer's threshold
(docs/triage-blind.md, "Sets F-I and the learned layer's corpus"): the rules had answered them
below emergency. The rules run before the layer and without it (an outage, a corpus that moves),
so each vignette is asked here of the rules alone as well as of the whole engine; each family's
paraphrases, in our own words, of the rules alone; and ``keep`` holds look-alikes that must stay
at their level. Sets B and D are in the layer's corpus, F-H are not: nothing here is written to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.clinical.triage import TriageEngine, TriageLevel
from tests.unit.triage.conftest import vignette_input

TRIAGE_TESTS = Path(__file__).resolve().parents[2] / "triage"
_FILE = TRIAGE_TESTS / "layer_only_fixed.yml"
FIXED: list[dict[str, Any]] = yaml.safe_load(_FILE.read_text(encoding="utf-8"))["cases"]
SAID = [(c["id"], said) for c in FIXED for said in c["paraphrases"] + c.get("keep", [])]


def _blind_case(letter: str, case_id: str) -> dict[str, Any]:
    lines = (TRIAGE_TESTS / "blind" / f"set_{letter}.jsonl").read_text(encoding="utf-8").splitlines()
    return next(c for c in map(json.loads, filter(str.strip, lines)) if c["id"] == case_id)


@pytest.mark.parametrize("case", FIXED, ids=[c["id"] for c in FIXED])
def test_the_vignette_is_an_emergency_on_the_rules_alone(rules: TriageEngine, case: dict[str, Any]) -> None:
    assert rules.assess(vignette_input(case)).level is TriageLevel(case["level"]), case["family"]


@pytest.mark.parametrize("case", FIXED, ids=[c["id"] for c in FIXED])
def test_the_vignette_is_an_emergency_on_the_whole_engine(engine: TriageEngine, case: dict[str, Any]) -> None:
    assert engine.assess(vignette_input(case)).level is TriageLevel(case["level"]), case["family"]


@pytest.mark.parametrize(("family", "said"), SAID, ids=[f"{i}-{n}" for n, (i, _) in enumerate(SAID)])
def test_a_paraphrase_or_look_alike_gets_its_level_on_the_rules_alone(
    rules: TriageEngine, family: str, said: dict[str, Any]
) -> None:
    assert rules.assess(vignette_input(said)).level is TriageLevel(said["level"]), (family, said["text"])


@pytest.mark.parametrize("case", FIXED, ids=[c["id"] for c in FIXED])
def test_the_vignette_is_the_blind_authors_and_the_paraphrases_ours(case: dict[str, Any]) -> None:
    blind = _blind_case(case["set"], case["id"])
    assert blind["text"] == case["text"]
    assert blind["expected_level"] == case["level"]
    texts = (TRIAGE_TESTS / "blind" / f"set_{case['set']}.jsonl").read_text(encoding="utf-8")
    assert case["paraphrases"]
    for said in case["paraphrases"] + case.get("keep", []):
        assert said["text"] not in texts, said["text"]
