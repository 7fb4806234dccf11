"""Round on set L (tuning material after its one sealed scoring): families of wording fixed, issue 10.

Every family is asked in our own words beside the vignette, of the rules alone (the chat edge's
engine), with look-alikes that must keep their level, so that no emergency is lost by a narrowing.
Sources are cited beside each rule in data/triage/*.yml.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel

EMERGENCY = TriageLevel.EMERGENCY
URGENT = TriageLevel.URGENT


def _level(engine: TriageEngine, text: str, **given: object) -> TriageLevel:
    return engine.assess(TriageInput(text=text, **given)).level


def _flags(engine: TriageEngine, text: str) -> list[str]:
    return engine.assess(TriageInput(text=text)).red_flags


def _rules_fired(engine: TriageEngine, text: str) -> list[str]:
    return [reason.rule for reason in engine.assess(TriageInput(text=text)).reasons]


# -- 1. epigastric pressure with sweating is a possible infarction (AHA/ACC 2021; ESC 2023) ----


@pytest.mark.parametrize(
    "text",
    [
        "胃不舒服 上面有点闷 出了点汗",  # L418
        "胃那里闷闷的 还冒冷汗",
        "心口窝下面堵得慌 一身汗",
        "上腹部压着难受 出虚汗",
        "胃里发紧 满头大汗",
    ],
)
def test_epigastric_pressure_with_sweat_is_an_emergency(rules: TriageEngine, text: str) -> None:
    assert "epigastric_pressure_with_sweat" in _flags(rules, text)
    assert _level(rules, text) is EMERGENCY


@pytest.mark.parametrize(
    "text",
    ["胃胀 吃多了 不出汗", "胃不舒服 吃完饭胀", "上腹不舒服 有点闷 没出汗", "运动完出了好多汗 胃有点不舒服"],
)
def test_stomach_upset_without_pressure_and_sweat_is_not_the_flag(rules: TriageEngine, text: str) -> None:
    assert "epigastric_pressure_with_sweat" not in _flags(rules, text)
    assert _level(rules, text) is not EMERGENCY


# -- 2. red swelling that blackens, blisters with blood or spreads in hours (IDSA 2014; NICE NG141) --


@pytest.mark.parametrize(
    "text",
    [
        "糖尿病 小腿红肿热痛 一个下午红的范围扩了一大片 中间发黑 痛得要命 发烧",  # L341
        "腿上红肿 几个小时就扩散了一大片 皮肤发紫发黑 疼得受不了",
        "脚上红肿越来越大 中间的皮变黑了 发烧",
        "手臂上一块红肿 起了血泡 红的范围一直在扩大 疼得厉害 发烧",
    ],
)
def test_necrotising_soft_tissue_infection_is_an_emergency(rules: TriageEngine, text: str) -> None:
    assert "necrotising_soft_tissue_infection" in _flags(rules, text)
    assert _level(rules, text) is EMERGENCY


@pytest.mark.parametrize(
    "text",
    ["小腿红肿 疼 有点发烫", "小腿红肿热痛 发烧38.5 红的范围在扩大", "脚趾头发黑 好几个月了 糖尿病"],
)
def test_cellulitis_without_necrosis_or_hourly_spread_stays_same_day(rules: TriageEngine, text: str) -> None:
    assert "necrotising_soft_tissue_infection" not in _flags(rules, text)
    assert _level(rules, text) is URGENT


# -- 3. thirst and polyuria are hyperglycaemia itself, not a crisis (JBDS-IP 2023; ADA 2024) ------


@pytest.mark.parametrize(
    "text",
    [
        "糖尿病 这两天血糖都在20以上 口渴尿多 没吐 精神还可以",  # L048
        "血糖22 口干 喝水多 人清醒",
        "测了血糖23点多 老是口渴 尿多 能吃能喝",
    ],
)
def test_glucose_over_20_with_only_thirst_is_same_day(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is URGENT


@pytest.mark.parametrize(
    "text",
    ["血糖25 口渴 吐了两次 没力气", "血糖21 迷迷糊糊的", "血糖31 口渴得厉害 一直尿", "血糖24 肚子痛 喘气很深"],
)
def test_glucose_with_crisis_signs_or_over_30_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 4. a palm-sized scald on an adult's thigh is same day; a child's stays 120 (ABA; NHS) -------


@pytest.mark.parametrize(
    "text",
    [
        "热水袋破了烫到大腿 起了个手掌大的水泡 很痛",  # L278
        "开水洒到腿上 起了鸡蛋那么大的泡",
        "热汤泼到大腿 起了巴掌大一个水泡",
    ],
)
def test_a_palm_sized_adult_scald_is_same_day(rules: TriageEngine, text: str) -> None:
    assert "severe_burn" not in _flags(rules, text)
    assert _level(rules, text) is URGENT


@pytest.mark.parametrize(
    "text",
    [
        "开水烫到大腿 一大片 起泡了",
        "开水泼到腿上 红了一大片",
        "烫到大腿 皮都掉了",
        "烫到手掌 一片水泡",
        "孩子烫到大腿 起了个手掌大的水泡",
        "宝宝手被烫了 起了个鸡蛋大的泡",
    ],
)
def test_large_special_site_or_child_scalds_stay_emergencies(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 5. what is a head injury (NICE NG232): 打了头孢, 说头晕 are not --------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "老人最近一个礼拜摔了三次 说头晕 吃着好几种降压药",  # L281
        "奶奶摔了两跤 老说头晕",
        "爷爷昨天打了头孢的针 今天还在咳",
        "昨天去诊所打了头孢的针 今天还是发烧咳嗽",
    ],
)
def test_dizziness_said_and_a_cephalosporin_jab_are_not_head_hits(rules: TriageEngine, text: str) -> None:
    fired = _rules_fired(rules, text)
    assert not {"elder_head_injury", "head_injury_any", "head_injury_severe"} & set(fired)
    assert _level(rules, text) is not EMERGENCY


@pytest.mark.parametrize(
    "text",
    ["爷爷摔了一跤 磕到头了", "爷爷摔倒了 头晕 头上起了个包", "老人摔了一跤 说头疼", "外婆撞到头 吃华法林"],
)
def test_real_head_hits_in_elders_stay_emergencies(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 6. mouth blisters that persist are a mouth ulcer, not a burn ---------------------------------


@pytest.mark.parametrize("text", ["吃了消炎药嘴里还是起泡", "嘴里老是起泡 一个礼拜了", "舌头上又起了个小泡"])
def test_mouth_blisters_are_not_read_as_a_burn(rules: TriageEngine, text: str) -> None:
    fired = _rules_fired(rules, text)
    assert "minor_burn" not in fired
    assert "mouth_ulcer" in fired


def test_a_burn_blister_is_still_a_burn(rules: TriageEngine) -> None:
    assert "minor_burn" in _rules_fired(rules, "做饭手指被锅烫了一下 起了个小泡")


# -- 7. Cantonese 仲 ("still") is read, so a course of medicine is heard ----------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [("食咗药仲系烧", "还是"), ("仲未退烧", "还没"), ("仲咳", "还咳"), ("仲唔退", "还不")],
)
def test_cantonese_zhong_reads_as_still(rules: TriageEngine, text: str, said: str) -> None:
    assert said in rules.normalize(text)


@pytest.mark.parametrize("text", ["劳动仲裁的事", "仲夏夜"])
def test_other_words_with_zhong_are_untouched(rules: TriageEngine, text: str) -> None:
    assert rules.normalize(text) == text


def test_a_child_still_febrile_on_medicine_in_cantonese_is_not_poisoning(rules: TriageEngine) -> None:
    text = "细路食咗药仲发烧 38度5"
    assert "poisoning" not in _flags(rules, text)
    assert _level(rules, text) is not EMERGENCY


@pytest.mark.parametrize("text", ["孩子腿上红了巴掌那么大 发烫 发烧", "腿上被蚊子咬了 红了巴掌那么大 发烫"])
def test_skin_that_feels_hot_is_not_a_scald(rules: TriageEngine, text: str) -> None:
    fired = _rules_fired(rules, text)
    assert not {"infant_large_scald", "burn_blister_palm_sized"} & set(fired)


# == Second round on L (issue 10) ==================================================================

ROUTINE = TriageLevel.ROUTINE
SELF_CARE = TriageLevel.SELF_CARE


# -- 6. deep burn signs, and a child's blistered hand/foot/face (NICE CKS Burns and scalds; ABA) --


@pytest.mark.parametrize(
    "text",
    [
        "孩子手摸了电饭锅 手掌起泡了 有一块发白",  # L258
        "女儿三岁 抓了一下烤箱门 手指起了两个水泡",
        "小孩脚踩到了热水 脚背起泡了",
        "烫了一下 伤口中间发白 摸着不疼",
        "热油溅到手臂 有一片变白了 扎一下也不疼",
        "开水烫到小腿 有一块皮发硬 像皮革一样",
    ],
)
def test_deep_or_child_special_site_burns_are_same_day(rules: TriageEngine, text: str) -> None:
    fired = _rules_fired(rules, text)
    assert "deep_burn_signs" in fired or "child_burn_blister_special_site" in fired
    assert _level(rules, text) in (URGENT, EMERGENCY)


@pytest.mark.parametrize(
    "text",
    [
        "孩子烫到手 红了一小块 没起泡",
        "孩子胳膊被热水烫了一下 红红的 没起泡 不怎么疼",
        "炒菜溅了油 手背上烫了个硬币大的红印",
        "烫到手指 起了个白色的小水泡 有点疼",
    ],
)
def test_small_red_scalds_stay_self_care(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is SELF_CARE


# -- 7. neck pain after a rear-end collision: Canadian C-spine rule (Stiell 2001; NICE NG41) --------


@pytest.mark.parametrize(
    "text",
    [
        "昨天追尾 当时没事 今天脖子僵痛 转不了头 手不麻",  # L303
        "被追尾了 睡了一觉起来脖子僵 能转头 手脚都不麻",
        "前天被人追尾 当时不觉得疼 第二天起来脖子发硬",
    ],
)
def test_delayed_neck_pain_after_simple_rear_end_is_same_day(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is URGENT


@pytest.mark.parametrize(
    "text",
    [
        "我68岁 昨天追尾 当时没事 今天脖子疼",  # age >= 65
        "骑电动车被车撞了 当时没事 今天脖子疼",  # dangerous mechanism
        "前天被追尾 当时没感觉 第二天起来脖子发僵 手也有点麻",  # paraesthesia
        "在高速上被追尾 当时没事 今天脖子疼",
        "刚出车祸 脖子疼",  # not delayed
        "昨天追尾 今天脖子还是很疼",  # pain since the crash
        "车被追尾 脖子很痛 不敢转 手有点麻",
    ],
)
def test_neck_pain_with_a_high_risk_factor_or_immediate_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 8. recurrent nocturnal or level-2 hypoglycaemia on treatment (ADA 2024; NICE NG17/NG28) ---------


@pytest.mark.parametrize(
    "text",
    [
        "打胰岛素的 这周晚上低血糖三次了 最低3.0 吃了糖就好",  # L098
        "打胰岛素 最近半夜老是低血糖 醒来一身汗 吃点东西就好",
    ],
)
def test_recurrent_night_hypos_on_insulin_are_same_day(rules: TriageEngine, text: str) -> None:
    assert "recurrent_hypoglycaemia_on_treatment" in _rules_fired(rules, text)
    assert _level(rules, text) is URGENT


@pytest.mark.parametrize(
    "text", ["糖尿病打胰岛素 上个月低血糖过一次", "打胰岛素 这个礼拜低血糖了三次 最低3.5 吃糖就好了 现在正常"]
)
def test_single_or_mild_daytime_hypos_stay_routine(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is ROUTINE


# -- 9. not home care: bleeding with tummy pain, snoring with pauses, gum disease, 3-week oral patch --


@pytest.mark.parametrize(
    "text",
    [
        "下面出了点血 肚子有点痛",  # L208 (NICE CKS intermenstrual bleeding)
        "肚子有点疼 大便带血",
        "孩子5岁 晚上睡觉打呼噜很响 张着嘴睡 有时候憋一下",  # L350 (NICE CKS OSA)
        "儿子打呼噜 睡着了会憋一会儿",
        "刷牙老出血 牙龈有点萎缩 口气重",  # L012 (NHS gum disease)
        "牙龈经常出血 牙齿有点松动",
        "舌头边上有块白斑 不痛不痒 三个多礼拜了还在",  # L173 (NICE NG12)
        "嘴里的溃疡一个多月了还没好",
    ],
)
def test_these_are_not_home_care(engine: TriageEngine, rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is not SELF_CARE
    assert _level(engine, text) is not SELF_CARE


@pytest.mark.parametrize("text", ["肚子有点痛 吃多了 胀", "鼻塞 流鼻涕 两天了", "嘴里长了个溃疡 两天了 有点疼"])
def test_their_look_alikes_stay_home_care(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is SELF_CARE
