"""Checks that belong to set H's fixes alone (issue 10). The vignettes, paraphrases and
look-alikes of its fixed families (``tests/triage/set_h_fixed.yml``) are asked in
``test_blind_fixed_families.py``, with the other tuning sets'.
"""

from __future__ import annotations

import pytest

from services.clinical.triage.demographics import extract


@pytest.mark.parametrize("text", ["俺奶这两天不吃饭", "俺爷摔了一跤", "咱奶腿疼"])
def test_northern_grandparent_words_are_an_elder(text: str) -> None:
    assert extract(text).is_elder


@pytest.mark.parametrize("text", ["俺奶水不够", "俺奶粉喝完了", "俺爷们儿"])
def test_breast_milk_and_formula_are_no_elder(text: str) -> None:
    # "俺奶水" is the mother's milk, "奶粉" formula: no grandparent here.
    assert not extract(text).is_elder
