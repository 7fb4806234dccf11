"""Swollen lips told right after the food, without "以后", and a hoarse voice as the airway
sign (data/triage/red_flags.yml food_allergen_lip_swelling_wheeze; set 8's J41, tuning
material). A common food allergen, then lips, tongue or face swelling, with breathing or
voice involved, is anaphylaxis (WAO 2020: skin-mucosal plus respiratory; Resuscitation
Council UK 2021: a hoarse voice is an Airway problem). Swelling alone, or a voice that is
said not hoarse, stays with the other rules."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine

RULE = "food_allergen_lip_swelling_wheeze"


@pytest.mark.parametrize(
    "text",
    [
        "我個仔食咗花生 嘴唇腫晒 而家仲有啲喘",
        "我個仔食咗花生 嘴唇腫晒 聲都沙埋",
        "女儿吃了虾嘴唇肿了 声音有点哑",
        "儿子吃了腰果脸肿起来了 嗓子也哑了",
        "吃了芒果嘴唇肿了，有点喘",
    ],
)
def test_food_then_swelling_with_airway_signs(rules: TriageEngine, text: str) -> None:
    assert RULE in [hit.id for hit in rules.red_flags(text)]


@pytest.mark.parametrize(
    "text",
    [
        "我個仔食咗花生 嘴唇腫晒",
        "吃了芒果嘴巴周围红了 不肿",
        "我吃了鱼 晚上嗓子哑了",
        "吃了虾嘴唇有点肿 声音不哑 也不喘",
    ],
)
def test_swelling_alone_or_no_airway_is_not_this_rule(rules: TriageEngine, text: str) -> None:
    assert RULE not in [hit.id for hit in rules.red_flags(text)]
