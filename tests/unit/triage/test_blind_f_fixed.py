"""Checks that belong to set F's fixes alone (issue 10). The vignettes, paraphrases and
look-alikes of its fixed families (``tests/triage/set_f_fixed.yml``) are asked in
``test_blind_fixed_families.py``, with the other tuning sets'.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel


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
