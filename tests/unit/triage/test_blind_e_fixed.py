"""Checks that belong to set E's fixes alone (issue 10). The vignettes, paraphrases and
look-alikes of its fixed families (``tests/triage/set_e_fixed.yml``) are asked in
``test_blind_fixed_families.py``, with the other tuning sets'.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel


@pytest.mark.parametrize(
    "text",
    ["最近半年时而便秘时而腹泻", "儿子一年到头鼻子痒，早上喷嚏打个不停", "大便变扁了两个月，有时候拉不出"],
)
def test_a_clinic_net_is_not_lowered_to_home_care_by_the_learned_layer(engine: TriageEngine, text: str) -> None:
    # bowel_habit_change and perennial_rhinitis are routine nets: with a net the learned layer may not lower.
    assert engine.assess(TriageInput(text=text)).level is TriageLevel.ROUTINE
