"""Checks that belong to set D's fixes alone (issue 10). The vignettes, paraphrases and
look-alikes of its fixed families (``tests/triage/set_d_fixed.yml``) are asked in
``test_blind_fixed_families.py``, with the other tuning sets'.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.interview import SelfCareSpec


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
