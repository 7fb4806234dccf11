"""Set F's misses, fixed once the lead recorded F's sealed figures and F became tuning material (issue 10).

The same shape as sets D and E (``test_blind_e_fixed.py``): the vignette as its blind author
wrote it is asked of the whole engine (rules + learned layer, what a patient gets), and each
family's paraphrases, in our own words, of the rules alone (the floor the learned layer may
not lower and the edge's first check), so a rule that only matched the vignette's wording
fails here. ``keep`` holds look-alikes the new patterns must leave at their level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.knowledge import DEFAULT_DATA_DIR
from tests.unit.triage.conftest import vignette_input

TRIAGE_TESTS = Path(__file__).resolve().parents[2] / "triage"
CASES: list[dict[str, Any]] = yaml.safe_load((TRIAGE_TESTS / "set_f_fixed.yml").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_set_f_vignette_gets_its_level(engine: TriageEngine, case: dict[str, Any]) -> None:
    assessed = engine.assess(vignette_input(case))
    assert assessed.level is TriageLevel(case.get("answered", case["level"])), case["family"]
    if "departments" in case:
        assert set(assessed.departments[:3]) & set(case["departments"]), assessed.departments


_PARAPHRASES = [(c["id"], p) for c in CASES for p in c.get("paraphrases", []) + c.get("keep", [])]


@pytest.mark.parametrize(("family", "said"), _PARAPHRASES, ids=[f"{i}-{n}" for n, (i, _) in enumerate(_PARAPHRASES)])
def test_a_paraphrase_of_the_family_gets_its_level_on_the_rules_alone(
    rules: TriageEngine, family: str, said: dict[str, Any]
) -> None:
    assessed = rules.assess(vignette_input(said))
    assert assessed.level is TriageLevel(said["level"]), (family, said["text"])
    if "departments" in said:
        assert set(assessed.departments[:3]) & set(said["departments"]), (said["text"], assessed.departments)


def test_every_family_has_a_paraphrase_of_its_own() -> None:
    texts = (TRIAGE_TESTS / "blind" / "set_f.jsonl").read_text(encoding="utf-8")
    for case in CASES:
        assert case.get("paraphrases"), case["id"]
        assert case["text"] in texts, case["id"]  # the vignette is F's own words
        for said in case["paraphrases"] + case.get("keep", []):
            assert said["text"] not in texts, said["text"]  # ours, not F's


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("牙疼得厉害 脸没有肿", "dental_facial_swelling"),
        ("牙有点疼 脸也没肿", "lip_or_face_swelling"),
        ("生完孩子第五天 伤口有点疼 没红没肿", "postpartum_fever_or_headache"),
    ],
)
def test_a_sign_denied_between_the_body_part_and_the_word_does_not_count(
    rules: TriageEngine, text: str, rule: str
) -> None:
    # "脸没有肿", "伤口…没红": the negation stands inside the pattern, not before it.
    assert rule not in {r.rule for r in rules.assess(TriageInput(text=text)).reasons}


@pytest.mark.parametrize(
    ("text", "rule"),
    [("牙疼 半边脸都肿了", "dental_facial_swelling"), ("产后一周 伤口红肿", "postpartum_fever_or_headache")],
)
def test_the_same_sign_said_still_counts(rules: TriageEngine, text: str, rule: str) -> None:
    assert rule in {r.rule for r in rules.assess(TriageInput(text=text)).reasons}


@pytest.mark.parametrize(
    ("text", "level"),
    [("牙疼三天了 吃冷的更疼 脸没肿", TriageLevel.ROUTINE), ("口腔溃疡 有点疼", TriageLevel.SELF_CARE)],
)
def test_a_toothache_with_its_face_not_swollen_goes_to_the_dentist_not_home_care(
    rules: TriageEngine, text: str, level: TriageLevel
) -> None:
    # Once "脸没肿" counts as denied, a toothache of days or on cold fell to the mouth-ulcer advice;
    # NHS 111 "Toothache": two days or more, or pain with cold, hot, sweet or biting, see a dentist.
    assert rules.assess(TriageInput(text=text)).level is level


def test_set_f_stays_out_of_the_learned_corpus() -> None:
    # With F in training the older sets lost emergencies out-of-fold (docs/triage-blind.md).
    corpus = Path(DEFAULT_DATA_DIR) / "corpus"
    for path in corpus.rglob("*"):
        if path.is_file():
            said = path.read_text(encoding="utf-8")
            assert not any(c["text"] in said for c in CASES), path
