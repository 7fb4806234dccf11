"""Red flags added for the complaint families issue 10 found weak, each named by the rule that must fire."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("从梯子上摔下来，脖子疼，手发麻", "spinal_injury"),
        ("腰疼，今天尿不出来，屁股发麻", "cauda_equina"),
        ("小腿肿，今天突然喘不上气", "dvt_pulmonary_embolism"),
        ("三天没放屁了，肚子胀，一直吐", "bowel_obstruction"),
        ("腹股沟的包推不回去了，很疼", "incarcerated_hernia"),
        ("孩子吸气的时候有鸡叫一样的声音", "stridor_or_drooling"),
        ("孩子吞了一颗纽扣电池", "swallowed_battery_magnet"),
        ("两岁孩子发烧，眼睛往上翻，手脚抖了一两分钟", "febrile_or_child_seizure"),
        ("眼睛被石灰溅到了", "eye_penetrating_or_chemical"),
        ("被马蜂蛰了十几下", "multiple_stings"),
        ("后背突然撕裂一样疼", "aortic_or_aneurysm"),
        ("胸口疼，两边胳膊血压差很多", "aortic_or_aneurysm"),
        ("宝宝两个月，吐出来的是绿色的", "bilious_vomiting_child"),
        ("右下腹疼，发烧，走路都疼", "appendicitis_signs"),
        ("手被卷进机器，手指断了", "major_trauma"),
        ("孩子发高烧，身上有紫色的小点点，按了不褪色", "sepsis_signs"),
        ("孩子喘气的时候肋骨下面凹进去", "breathing_difficulty"),
        ("我弟弟发消息说要去死", "suicide_risk"),
    ],
)
def test_family_red_flags(engine: TriageEngine, text: str, rule: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level is TriageLevel.EMERGENCY and rule in result.red_flags, result.red_flags
    assert rule in {hit.id for hit in engine.red_flags(text)}


@pytest.mark.parametrize("text", ["工作累得想死", "热得想死", "排尿困难，憋得难受", "我想死你了", "腿抽了两次筋"])
def test_family_rules_do_not_fire_on_ordinary_words(engine: TriageEngine, text: str) -> None:
    fired = {h.id for h in engine.red_flags(text)}
    assert not {"suicide_risk", "breathing_difficulty", "unconscious_or_seizure"} & fired


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("眼睛又红又痛，怕光", "red_painful_eye"),
        ("怀孕8周，下面有点褐色分泌物", "early_pregnancy_spotting"),
        ("阴道出血比月经多很多", "heavy_vaginal_bleeding"),
        ("牙龈肿得很大，脸也肿了", "dental_facial_swelling"),
        ("孩子手臂摔了，不让碰，一碰就哭", "injury_cannot_bear_weight"),
        ("牙疼得受不了", "severe_pain"),
        ("阴囊肿痛一天了", "scrotal_pain"),
        ("眼睛里进了铁屑，磨得疼", "eye_foreign_body"),
    ],
)
def test_urgent_discriminators(engine: TriageEngine, text: str, rule: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level is TriageLevel.URGENT and rule in {r.rule for r in result.reasons}
