"""Set D's misses, fixed once set E was sealed and D became tuning material (issue 10).

Every miss is a defect with its own test: the vignette as its blind author wrote it is
asked of the whole engine (rules + learned layer, what a patient gets), and each family's
paraphrases, in our own words, of the rules alone (the floor the learned layer may not
lower and the edge's first check), so a rule that only matched the vignette's wording
fails here. ``keep`` holds look-alikes the new patterns must leave at their level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.interview import SelfCareSpec
from tests.unit.triage.conftest import vignette_input

FIXED = Path(__file__).resolve().parents[2] / "triage" / "set_d_fixed.yml"
_DATA = yaml.safe_load(FIXED.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = _DATA["cases"]
#: Moved the right way, not all the way: the level they get now is asserted, with D's beside it.
PARTLY: list[dict[str, Any]] = _DATA["partly"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_set_d_vignette_gets_its_level(engine: TriageEngine, case: dict[str, Any]) -> None:
    assessed = engine.assess(vignette_input(case))
    assert assessed.level is TriageLevel(case["level"]), case["family"]
    if "departments" in case:  # a department miss: one of D's departments among the first three
        assert set(assessed.departments[:3]) & set(case["departments"]), assessed.departments


@pytest.mark.parametrize("case", PARTLY, ids=[c["id"] for c in PARTLY])
def test_a_set_d_vignette_moved_part_of_the_way(engine: TriageEngine, case: dict[str, Any]) -> None:
    level = engine.assess(vignette_input(case)).level
    assert level is TriageLevel(case["level"]), case["family"]
    assert abs(level.severity - TriageLevel(case["expected"]).severity) == 1


_PARAPHRASES = [(c["id"], p) for c in CASES + PARTLY for p in c.get("paraphrases", []) + c.get("keep", [])]


@pytest.mark.parametrize(("family", "said"), _PARAPHRASES, ids=[f"{i}-{n}" for n, (i, _) in enumerate(_PARAPHRASES)])
def test_a_paraphrase_of_the_family_gets_its_level_on_the_rules_alone(
    rules: TriageEngine, family: str, said: dict[str, Any]
) -> None:
    assessed = rules.assess(vignette_input(said))
    assert assessed.level is TriageLevel(said["level"]), (family, said["text"])
    if "departments" in said:
        assert set(assessed.departments[:3]) & set(said["departments"]), (said["text"], assessed.departments)


def test_every_family_has_a_paraphrase_of_its_own() -> None:
    set_d = Path(__file__).resolve().parents[2] / "triage" / "blind" / "set_d.jsonl"
    texts = set_d.read_text(encoding="utf-8")
    for case in CASES:
        assert case.get("paraphrases"), case["id"]
        assert case["text"] in texts, case["id"]  # the vignette is D's own words
        for said in case["paraphrases"] + case.get("keep", []):
            assert said["text"] not in texts, said["text"]  # ours, not D's


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        # D005's family: functions said to be normal together deny each of them.
        ("手上起了几个小红疹，喘气吃饭都正常", "shortness_of_breath"),
        ("宝宝有点流鼻涕，呼吸和吃奶也没问题", "shortness_of_breath"),
    ],
)
def test_functions_said_normal_together_are_denied(rules: TriageEngine, text: str, denied: str) -> None:
    assert denied not in rules.matched_symptoms(rules.normalize(text))


def test_a_sign_followed_by_a_normal_test_is_still_a_sign(rules: TriageEngine) -> None:
    # Only named functions may stand between a sign and "都正常": an ECG does not deny chest pain.
    assert "chest_pain" in rules.matched_symptoms(rules.normalize("突然胸痛，心电图都正常"))
    assert rules.assess(TriageInput(text="胸口痛出冷汗，吃饭说话都正常")).level is TriageLevel.EMERGENCY


def test_an_entry_open_to_pregnancy_must_name_the_danger_signs_it_checks() -> None:
    entry = {
        "id": "pregnancy_thing",
        "symptoms": ["pregnancy_care"],
        "source": "NHS",
        "max_days": 1,
        "advice": "少吃多餐，饭后别马上躺下。",
        "worsening": "如果出现出血，请及时就医。",
        "groups": ["pregnancy"],
    }
    with pytest.raises(ValidationError, match="group_unless"):
        SelfCareSpec.model_validate(entry)
    assert SelfCareSpec.model_validate({**entry, "group_unless": ["出血"]}).groups == ["pregnancy"]
