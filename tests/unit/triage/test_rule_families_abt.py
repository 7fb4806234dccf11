"""Red-flag families the rules missed on the tuning sets A, B and T (issue 10), fixed as
general wording of one discriminator each, never a vignette's own sentence.

The learned layer catches most of these already; the rules are the floor that must hold
when it is unsure, so each family is asserted on the rules alone (the edge check too).
The last table holds ordinary messages the widened patterns must leave alone.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # Cardiac pain said as a likeness, a longer phrase inside the clause, lay sweat and arm words.
        ("胸口像被人踩着一样，出了点汗", "chest_pain_cardiac"),
        ("心窝好像有东西勒着", "chest_pain_cardiac"),
        ("心口疼得邪乎，右膀子也酸，汗一直往下淌", "chest_pain_cardiac"),
        ("胸前正中一阵一阵压得慌，出了些汗", "chest_pain_cardiac"),
        # Threatening to jump, or standing at an edge saying so.
        ("女儿站在窗台边上说要往下跳", "suicide_risk"),
        ("他喝多了闹着要从楼上跳下去", "suicide_risk"),
        # A weapon in hand and a threat a few words later.
        ("我弟攥不住了，拿着菜刀在客厅里转，说那些人要害他，他要先下手", "harm_to_others"),
        # Burns: the body part before the burn, skin coming off, an explosion.
        ("后背和两只胳膊都烫伤了，起了好多大水泡", "severe_burn"),
        ("被开水烫到以后皮都掉了一块", "severe_burn"),
        ("家里液化气罐爆了，人被冲倒了", "severe_burn"),
        # Magnets or batteries named several words after the swallowing.
        ("孩子吞了三颗玩具上掉下来的小磁铁", "swallowed_battery_magnet"),
        # Non-blanching rash with fever in plain words.
        ("宝宝发烧，身上冒出紫色小点，用玻璃杯按着也不退", "sepsis_signs"),
        # Gas water heater and a person found unconscious, said as 晕在/昏过去.
        ("她洗澡好久没出来，推开门发现人昏过去了，用的燃气热水器", "carbon_monoxide_suspected"),
        # A long lie: found on the floor, nobody knows for how long.
        ("外公早上被邻居发现倒在地上，不清楚倒了多长时间", "long_lie_or_dark_urine"),
        # Priapism: four hours or more, or not going down with pain.
        ("吃了壮阳药，下面硬了五个小时还不软", "priapism"),
        ("我那里勃起软不下来，疼得厉害快三个钟头了", "priapism"),
    ],
)
def test_family_is_an_emergency_on_the_rules_alone(rules: TriageEngine, text: str, rule: str) -> None:
    assert rule in [hit.id for hit in rules.red_flags(text)]
    assert rules.assess(TriageInput(text=text)).level is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "胸口好像闷闷的，可能是吃多了",
        "昨天去爬山腿酸，出了点汗",
        "孩子手上烫伤了一小块，起了个小水泡",
        "我妈说活着挺好的，在阳台上晒太阳",
        "拿着剪刀剪头发，手划了个口子",
        "蚊子咬的包按下去会变白",
        "孩子吃了一颗糖，说嗓子有点痒",
        "肚子硬了五个小时",
        "我奶奶躺在地上做瑜伽",
        "燃气热水器坏了，洗澡水不热",
    ],
)
def test_widened_patterns_leave_ordinary_messages_alone(rules: TriageEngine, text: str) -> None:
    assert rules.red_flags(text) == [], text
