"""Set G's missed emergencies, fixed once the lead recorded G's sealed figures and G became tuning material.

The same shape as sets D-F (``test_blind_f_fixed.py``): the vignette as its blind author wrote it
is asked of the whole engine (rules + learned layer, what a patient gets), and each family's
paraphrases, in our own words, of the rules alone (the floor the learned layer may not lower and
the edge's first check), so a rule that only matched the vignette's wording fails here. ``keep``
holds look-alikes the new patterns must leave at their level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from services.clinical.triage import TriageEngine, TriageLevel
from services.clinical.triage.demographics import extract
from services.clinical.triage.knowledge import DEFAULT_DATA_DIR
from tests.unit.triage.conftest import vignette_input

TRIAGE_TESTS = Path(__file__).resolve().parents[2] / "triage"
CASES: list[dict[str, Any]] = yaml.safe_load((TRIAGE_TESTS / "set_g_fixed.yml").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_set_g_vignette_gets_its_level(engine: TriageEngine, case: dict[str, Any]) -> None:
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
    texts = (TRIAGE_TESTS / "blind" / "set_g.jsonl").read_text(encoding="utf-8")
    for case in CASES:
        assert case.get("paraphrases"), case["id"]
        assert case["text"] in texts, case["id"]  # the vignette is G's own words
        for said in case["paraphrases"] + case.get("keep", []):
            assert said["text"] not in texts, said["text"]  # ours, not G's


@pytest.mark.parametrize(
    ("text", "days"),
    [("出生两周的宝宝", 14), ("bb刚刚出世一个礼拜", 7), ("三周大的宝宝", 21), ("宝宝出世三天", 3)],
)
def test_weeks_since_birth_are_a_baby_s_age(text: str, days: int) -> None:
    age = extract(text).age
    assert age is not None and round(age * 365) == days


@pytest.mark.parametrize("text", ["宝宝一周没拉大便", "孩子两周前摔了一跤", "咳嗽两个礼拜了"])
def test_weeks_without_birth_are_no_age(text: str) -> None:
    # A duration ("一周没拉", "两周前") is not how old the baby is.
    assert extract(text).age is None


def test_set_g_stays_out_of_the_learned_corpus() -> None:
    # Set G is tuning material for the rules only, as E and F are (docs/triage-blind.md).
    corpus = Path(DEFAULT_DATA_DIR) / "corpus"
    for path in corpus.rglob("*"):
        if path.is_file():
            said = path.read_text(encoding="utf-8")
            assert not any(c["text"] in said for c in CASES), path
