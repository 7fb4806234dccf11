"""Set O's misses, read after its one sealed scoring (issue 10): each a defect with its own test.

Set O (a fresh blind author's 519 vignettes, written after every other triage change of session
27) was scored once sealed (docs/triage-blind.md: level 0.840, 173/174 emergencies), then read.
Its one missed emergency - a 7-week-old vomiting "喷射性" (the 性 form was not read as
projectile) while losing weight and passing little urine - and three urgent cases answered
routine or self-care are fixed by general discriminators with their sources in
data/triage/nets.yml, tested here in our own words on the rules alone, with look-alikes:

* projectile vomiting under three months with dehydration - little urine, dry nappies, lethargy
  (NICE NG1, CG84); weight loss alone stays same-day (test_cross_set_overtriage.py);
* a gum abscess with toothache (NHS 111 dental abscess), seen today;
* many loose stools with dizziness or a dry mouth - an adult's dehydration (NICE CKS), seen today;
* bruises without a knock beside gum bleeding or heavy periods (NICE NG12), seen today.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel


def _level(engine: TriageEngine, text: str) -> TriageLevel:
    return engine.assess(TriageInput(text=text)).level


@pytest.mark.parametrize(
    "text",
    [
        "孩子六周大 喷射性呕吐好几天了 尿布都不怎么湿",
        "宝宝一个多月 吃了就喷射样吐出来 今天尿很少",
        "两个月的宝宝 喷射状吐 这两天没精神",
    ],
)
def test_projectile_vomiting_with_dehydration_in_a_young_infant_is_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "宝宝五周 喷射性呕吐 吃得好 尿也多",
        "牙疼好几天 牙龈上长了个脓包",
        "后槽牙疼 牙肉流脓",
        "昨晚开始拉肚子 拉了七八次 头晕 嘴巴很干",
        "腹泻十几次了 没什么力气 尿很少",
        "腿上胳膊上好多淤青 不记得撞过 最近还老流鼻血",
        "身上出血点 没碰过 刷牙牙龈出血",
    ],
)
def test_set_o_same_day_cases_are_seen_today(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) in (TriageLevel.URGENT, TriageLevel.EMERGENCY)


@pytest.mark.parametrize(
    "text",
    [
        "拉了两次 不头晕",
        "撞了一下腿青了 没别的",
        "牙龈有点肿 刷牙出点血",
        "宝宝三个月 吐了一小口奶 吃得好",
    ],
)
def test_look_alikes_stay_below_today(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) in (TriageLevel.ROUTINE, TriageLevel.SELF_CARE)
