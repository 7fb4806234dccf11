"""Red-flag families the engine missed on set C once set D was sealed and C became tuning
material (issue 10): each fixed as the general wording of one discriminator, asserted here
in words of our own, never a vignette's sentence. The rules are the floor the learned layer
may not lower, and the edge's first check, so each is asserted on the rules alone.
The last table holds ordinary messages the new patterns must leave alone.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel


@pytest.mark.parametrize(
    ("text", "rule", "pregnant"),
    [
        # Retention said as "has not been able to pass it", with a swollen belly.
        ("我爸从昨晚到现在没尿出来，肚子胀得鼓鼓的", "urinary_retention_severe", None),
        # Magnet toys by their trade names.
        ("小孙子把巴克球咽下去好几颗", "swallowed_battery_magnet", None),
        ("儿子说他吞了几颗磁力珠", "swallowed_battery_magnet", None),
        # Pre-eclampsia: flashing lights in front of the eyes, the pregnancy known from the fields.
        ("后脑勺疼，眼前一闪一闪的", "pregnancy_preeclampsia", True),
        # Early pregnancy (from the fields): lower belly pain with dizziness or spotting.
        ("左边下腹一抽一抽地疼，人有点发晕", "early_pregnancy_pain_dizzy", True),
        ("小肚子隐隐作痛，内裤上有褐色的东西", "early_pregnancy_pain_dizzy", True),
        # A fish bone or bone stuck, then the neck swells or fever comes.
        ("前天被鸡骨头卡了一下，今天脖子这边肿了", "deep_neck_infection_after_foreign_body", None),
        # A hot swollen joint that cannot move, with fever.
        ("髋关节这几天又红又肿，碰都不能碰，发烧38.9", "septic_joint", None),
        # Dark urine after muscle strain.
        ("健身房练了一晚上深蹲，大腿肿得发硬，小便像酱油", "rhabdomyolysis_suspected", None),
        # Confusion in cirrhosis.
        ("我舅舅有肝硬化，这几天说话答非所问", "hepatic_encephalopathy_suspected", None),
    ],
)
def test_family_is_an_emergency_on_the_rules_alone(
    rules: TriageEngine, text: str, rule: str, pregnant: bool | None
) -> None:
    sex = "female" if pregnant else None
    assert rule in [hit.id for hit in rules.red_flags(text, sex=sex, pregnant=pregnant)]
    assessed = rules.assess(TriageInput(text=text, sex=sex, pregnant=pregnant))
    assert assessed.level is TriageLevel.EMERGENCY


def test_bleeding_that_goes_on_or_a_high_inr_on_warfarin_is_an_emergency(rules: TriageEngine) -> None:
    for text in ("吃着华法林，鼻子一直在出血", "一直吃华法林，查了INR是7，牙龈出血"):
        assert rules.assess(TriageInput(text=text)).level is TriageLevel.EMERGENCY, text
    quiet = rules.assess(TriageInput(text="在吃华法林，复查INR是6，没有出血，大便也正常"))
    assert quiet.level is not TriageLevel.EMERGENCY  # a high INR alone is a same-day dose change


@pytest.mark.parametrize(
    ("text", "pregnant"),
    [
        ("我爸一整天都没怎么喝水，也没尿几次", None),  # little urine is not retention
        ("怀孕8周，下面有点褐色分泌物，肚子不疼", True),  # spotting without pain: urgent, not this rule
        ("吃鱼被鱼刺卡了一下，咽了口饭下去了，现在不疼了", None),
        ("膝盖有点肿，走多了就酸", None),
        ("昨天喝了浓茶，今天尿有点黄", None),
        ("我爸有肝硬化，想问问复查挂哪个科", None),
    ],
)
def test_new_patterns_leave_ordinary_messages_alone(rules: TriageEngine, text: str, pregnant: bool | None) -> None:
    sex = "female" if pregnant else None
    new = {
        "urinary_retention_severe",
        "early_pregnancy_pain_dizzy",
        "deep_neck_infection_after_foreign_body",
        "septic_joint",
        "rhabdomyolysis_suspected",
        "hepatic_encephalopathy_suspected",
    }
    fired = {hit.id for hit in rules.red_flags(text, sex=sex, pregnant=pregnant)}
    assert not fired & new, text
