"""A child who swallowed a medicine: poisoning, or a child on treatment who is still ill (issue 10).

中国急性中毒诊断与治疗专家共识（2016）; NHS 111 and AAPCC: a child who swallowed someone else's
medicine, or any medicine an adult did not give as a dose, goes to the emergency department; a
child given their own medicine at its dose who is still ill has no poisoning - the illness is
triaged. The poisoning red flag (data/triage/red_flags.yml) reads an accidental marker (偷吃,
翻出来, 当糖吃, 一板, 好几片, 不知道吃了几片), someone else's medicine (奶奶的, 大人的, 我的),
a high-risk adult drug (降压药, 降糖药/格列, 安眠药, 抗抑郁药, 铁剂, 心脏药, 避孕药) or more tablets
than a dose; a treatment course said (吃了两天, 吃了药还烧, 医生开的, 按说明) keeps the plain
"孩子吃了…药" pattern from firing unless one of those is said too. Asked of the rules alone: they
are the floor that runs at the chat edge when the model is down. Our own words, no vignette's.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageLevel
from services.clinical.triage.demographics import extract
from tests.triage.assessing import level_and_flags

EMERGENCY = TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "孩子趁我不注意把爷爷的降压药吃了两片",
        "我家宝宝刚才偷吃了几粒药 不知道是什么药",
        "小孩自己拿了药箱里的药吃了",
        "孩子翻出抽屉里的安眠药吃了一片",
        "两岁的娃把外婆的降糖药当糖吃了",
        "儿子吃了他爸爸的药 大概三粒",
        "孩子吃了我的避孕药 就一片",
        "宝宝把一整板感冒药都抠出来吃了",
        "小朋友吞了好几片止痛片",
        "孩子吃了几颗外公吃的心脏药",
        "女儿不小心吃了姥姥的药",
        "孩子吃了奶奶的二甲双胍 不知道几片",
        "宝宝够到桌上的药瓶 吃了不少药片 瓶里少了好几粒",
        "孩子吃了铁剂 一下吃了十几粒",
        "个仔偷食咗成板药",
        "细路仔食咗嫲嫲嘅降压药",
        "孩子吃了大人的退烧药 吃了半瓶",
        "三岁孩子吃了五片扑热息痛",
        "孩子吃了抗抑郁药 是我的",
        "宝宝吃了两片格列齐特",
        "孩子不知道吃了多少片布洛芬",
        "孙子把我的降压药吃了",
    ],
)
def test_a_child_swallowing_a_medicine_not_given_as_a_dose_is_poisoning(rules: TriageEngine, text: str) -> None:
    level, flags = level_and_flags(rules, text)
    assert "poisoning" in flags
    assert level is EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "小孩吃了消炎药还发烧",
        "孩子吃了两天的感冒药还是咳嗽",
        "宝宝吃了三天阿莫西林 还是有点咳",
        "孩子吃了医生开的药 还在拉肚子",
        "儿子吃了退烧药 烧还没退下来 38度5",
        "女儿吃了止咳糖浆还是咳个不停",
        "孩子吃了一周的药了 鼻涕还是多",
        "宝宝按说明吃了小儿感冒颗粒 还是流鼻涕",
        "孩子吃了药以后还是不太想吃饭",
        "小孩每天吃益生菌 吃了一个星期了 还是便秘",
        "孩子吃了医院开的头孢 还有点发热",
        "儿子吃了好几天消炎药也不见好",
        "宝宝吃了美林后烧退了 现在在玩",
        "孩子吃了两次退烧药都没退",
        "女儿按医嘱吃了五天抗生素 咳嗽好些了",
        "孩子吃了药没用 喉咙还是痛",
        "小孩吃了一个月铁剂 还是有点贫血",
        "孩子川崎病在吃阿司匹林 吃了两周了",
    ],
)
def test_a_child_on_a_course_of_treatment_who_is_still_ill_is_not_poisoning(rules: TriageEngine, text: str) -> None:
    level, flags = level_and_flags(rules, text)
    assert "poisoning" not in flags
    assert level is not EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "孩子吃了药 怎么办",  # nothing said either way: still an emergency, as before
        "宝宝吃了药 现在一直睡",
        "孩子吞了一颗纽扣电池",
        "儿子吞了两颗小磁铁",
        "孩子咬破了洗衣凝珠 吞了一点",
        "孩子误吃了一颗感冒药",
        "孩子吃了两天感冒药 今天又偷吃了一把",  # a course said, and an accidental marker too
        "宝宝吃了一周铁剂 刚才自己翻出来又吃了好几粒",
    ],
)
def test_other_poisoning_wording_is_kept(rules: TriageEngine, text: str) -> None:
    level, flags = level_and_flags(rules, text)
    assert "poisoning" in flags
    assert level is EMERGENCY


@pytest.mark.parametrize(
    "text",
    ["细路仔发烧两日", "我个仔咳嗽三日", "个女肚痛", "细路哥头痛", "bb发烧", "我個仔發燒"],
)
def test_cantonese_child_words_name_a_child(rules: TriageEngine, text: str) -> None:
    assert extract(rules.normalize(text)).is_child


@pytest.mark.parametrize("text", ["一个女的头痛", "这个女孩她妈头痛", "呢个女人头痛", "整个仔细看了一下"])
def test_ge_nv_in_other_words_is_no_child(rules: TriageEngine, text: str) -> None:
    assert not extract(rules.normalize(text)).is_child
