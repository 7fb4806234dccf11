"""Set H's missed emergencies and three under-triages, fixed once H became tuning material.

The same shape as sets D-F (``test_blind_f_fixed.py``): the vignette as its blind author wrote it
is asked of the whole engine (rules + learned layer, what a patient gets), and each family's
paraphrases, in our own words, of the rules alone (the floor the learned layer may not lower and
the edge's first check), so a rule that only matched the vignette's wording fails here. ``keep``
holds look-alikes the new patterns must leave at their level.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.clinical.triage import TriageEngine, TriageLevel
from services.clinical.triage.demographics import extract
from services.clinical.triage.knowledge import DEFAULT_DATA_DIR
from tests.unit.triage.conftest import vignette_input

TRIAGE_TESTS = Path(__file__).resolve().parents[2] / "triage"
CASES: list[dict[str, Any]] = yaml.safe_load((TRIAGE_TESTS / "set_h_fixed.yml").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_set_h_vignette_gets_its_level(engine: TriageEngine, case: dict[str, Any]) -> None:
    assessed = engine.assess(vignette_input(case))
    assert assessed.level is TriageLevel(case.get("answered", case["level"])), case["family"]


_PARAPHRASES = [(c["id"], p) for c in CASES for p in c.get("paraphrases", []) + c.get("keep", [])]


@pytest.mark.parametrize(("family", "said"), _PARAPHRASES, ids=[f"{i}-{n}" for n, (i, _) in enumerate(_PARAPHRASES)])
def test_a_paraphrase_of_the_family_gets_its_level_on_the_rules_alone(
    rules: TriageEngine, family: str, said: dict[str, Any]
) -> None:
    assessed = rules.assess(vignette_input(said))
    assert assessed.level is TriageLevel(said["level"]), (family, said["text"])


def test_every_family_has_a_paraphrase_of_its_own() -> None:
    texts = (TRIAGE_TESTS / "blind" / "set_h.jsonl").read_text(encoding="utf-8")
    for case in CASES:
        assert case.get("paraphrases"), case["id"]
        assert case["text"] in texts, case["id"]  # the vignette is H's own words
        for said in case["paraphrases"] + case.get("keep", []):
            assert said["text"] not in texts, said["text"]  # ours, not H's


@pytest.mark.parametrize("text", ["俺奶这两天不吃饭", "俺爷摔了一跤", "咱奶腿疼"])
def test_northern_grandparent_words_are_an_elder(text: str) -> None:
    assert extract(text).is_elder


@pytest.mark.parametrize("text", ["俺奶水不够", "俺奶粉喝完了", "俺爷们儿"])
def test_breast_milk_and_formula_are_no_elder(text: str) -> None:
    # "俺奶水" is the mother's milk, "奶粉" formula: no grandparent here.
    assert not extract(text).is_elder


def test_set_h_stays_out_of_the_learned_corpus() -> None:
    # Set H is tuning material for the rules only, as E, F and G are (docs/triage-blind.md): none of
    # its 432 vignettes, not only the fixed ones, may be in the learned layer's corpus.
    blind = (TRIAGE_TESTS / "blind" / "set_h.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in blind if line.strip()]
    corpus = Path(DEFAULT_DATA_DIR) / "corpus"
    for path in corpus.rglob("*"):
        if path.is_file():
            said = path.read_text(encoding="utf-8")
            assert not any(t in said for t in texts), path
