"""Set V's misses (issue 10), each fixed by a general discriminator, with look-alikes that must not fire.

Blind set V (now tuning material) missed three emergencies: a blood pressure typed by pinyin as
"雪压" and said in Chinese numerals with no slash; a throat closing and itching all over while a
drip was still running; a swarm of wasps stinging a score of times (the count said in Chinese
numerals). It under-triaged five same-day cases: a fetus moving less than usual (said in
Cantonese), a son who believes the television watches him, vomiting even water (吐 typed as 土),
hypoglycaemia twice last night on insulin, and hives still spreading on an antihistamine.
Phrases here are our own, not the blind set's. Where the learned layer's own noise would say
nothing about the rule under test, look-alikes are asked of the rules alone.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from tests.triage.assessing import level_and_flags, level_and_rules

# --- a blood pressure in Chinese numerals, and "雪压" for 血压: ≥220 systolic or ≥130 diastolic is 120 ---
# (中国高血压防治指南 2018 高血压急症; 中国急诊预检分诊专家共识 2018; ESC/ESH 2018)


@pytest.mark.parametrize(
    "text",
    [
        "我爸雪压二百四 一百二 头痛得厉害",
        "刚量雪压 两百三 一百四",
        "奶奶血压两百二十 一百一十 心口发闷",
        "血压一百九比一百二 胸闷 头胀",
    ],
)
def test_a_very_high_pressure_in_chinese_numerals_is_an_emergency(
    rules: TriageEngine, engine: TriageEngine, text: str
) -> None:
    for judge in (rules, engine):
        level, _ = level_and_flags(judge, text)
        assert level is TriageLevel.EMERGENCY


def test_a_pair_read_from_chinese_numerals_gives_both_numbers(rules: TriageEngine) -> None:
    found = rules.rules_only(TriageInput(text="血压二百一 一百三十五")).findings
    assert (found.systolic, found.diastolic) == (210.0, 135.0)


@pytest.mark.parametrize(
    "text",
    [
        "大雪压垮了车棚 我去扫雪",
        "体检血压一百二 八十 一切正常",
    ],
)
def test_snow_and_a_normal_reading_are_not_a_crisis(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_flags(rules, text)
    assert level is not TriageLevel.EMERGENCY


def test_a_falling_reading_is_not_read_as_a_diastolic(rules: TriageEngine) -> None:
    # "两百降到一百五" is one pressure coming down; reading 150 as the lower number would call 120.
    level, fired = level_and_rules(rules, "吃了降压药 血压从两百降到一百五了 人没什么不舒服")
    assert "bp_220_or_130" not in fired
    assert level is not TriageLevel.EMERGENCY


# --- airway trouble while a drip is running: anaphylaxis to the infusion, 120 ---
# (WAO 2020; 中国严重过敏反应诊断和临床管理专家共识 2019; Resuscitation Council UK 2021)


@pytest.mark.parametrize(
    "text",
    [
        "打点滴打到一半 嗓子很紧 身上发痒",
        "挂水挂到一半 喉咙越来越堵 说话费劲",
        "输液的时候突然喘不上气 脸都肿了",
    ],
)
def test_airway_trouble_during_a_drip_is_an_emergency(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    for judge in (rules, engine):
        level, flags = level_and_flags(judge, text)
        assert level is TriageLevel.EMERGENCY
    assert "anaphylaxis" in flags


@pytest.mark.parametrize(
    "text",
    [
        "肺炎输液第三天了 还是有点喘",
        "吃完火锅嗓子很紧 有点干",
        "扁桃体发炎 嗓子很肿 明天去输液",
    ],
)
def test_a_course_of_drips_or_a_dry_throat_is_not_anaphylaxis(rules: TriageEngine, text: str) -> None:
    _, flags = level_and_flags(rules, text)
    assert "anaphylaxis" not in flags


# --- many stings (ten or more), the count in Chinese numerals or a whole nest: 120 ---
# (胡蜂螫伤规范化诊治中国专家共识 2018: ten stings or more, or head and neck, need emergency care)


@pytest.mark.parametrize(
    "text",
    [
        "砍柴碰到黄蜂 身上被蜇了四十几下",
        "他捅了一窝野蜂 被追着蛰",
        "让胡蜂叮了三十多口 头有点晕",
    ],
)
def test_many_stings_are_an_emergency(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    for judge in (rules, engine):
        level, flags = level_and_flags(judge, text)
        assert level is TriageLevel.EMERGENCY
    assert "multiple_stings" in flags


@pytest.mark.parametrize(
    "text",
    [
        "被蜜蜂蜇了一下 手背肿了",
        "蚊子叮了二十多个包 痒",
        "公司一窝蜂地搞团建 我累坏了",
    ],
)
def test_one_sting_mosquitoes_or_the_idiom_are_not_many_stings(rules: TriageEngine, text: str) -> None:
    level, flags = level_and_flags(rules, text)
    assert "multiple_stings" not in flags
    assert level is not TriageLevel.EMERGENCY


# --- a fetus moving less than usual, still moving: maternity unit today (RCOG Green-top 57) ---
# Four blind authors (K, N, P, V) put this at same day; no movement felt at all stays 120.


@pytest.mark.parametrize(
    ("text", "pregnant"),
    [
        ("孕31周 今天觉得孩子动的比以前少", None),
        ("怀孕三十周 BB今日郁少咗", None),
        ("33周了 宝宝比平时动得少", True),
    ],
)
def test_a_fetus_moving_less_than_usual_is_same_day(
    rules: TriageEngine, engine: TriageEngine, text: str, pregnant: bool | None
) -> None:
    for judge in (rules, engine):
        level, fired = level_and_rules(judge, text, pregnant=pregnant)
        assert level in (TriageLevel.URGENT, TriageLevel.EMERGENCY)
    assert "fetal_movement_less_than_usual" in fired


def test_no_movement_felt_is_still_an_emergency(rules: TriageEngine) -> None:
    level, _ = level_and_flags(rules, "怀孕34周 从早上到现在感觉不到胎动")
    assert level is TriageLevel.EMERGENCY


def test_a_baby_who_moves_little_is_not_a_pregnancy_rule(rules: TriageEngine) -> None:
    _, fired = level_and_rules(rules, "宝宝十个月 最近动得少 不爱爬", age=0.8)
    assert "fetal_movement_less_than_usual" not in fired


# --- believing a device watches, listens or talks about you: new psychosis, same day ---
# (NICE CG178 1.3.1 / CG155: urgent referral to early intervention for a first psychotic episode)


@pytest.mark.parametrize(
    "text",
    [
        "女儿说手机里有人在监听她 最近不去上学",
        "老伴这阵子总说收音机在骂他",
        "哥哥觉得家里的摄像头在监视他 把插头全拔了",
    ],
)
def test_a_device_watching_or_scolding_is_same_day(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text)
    assert level in (TriageLevel.URGENT, TriageLevel.EMERGENCY)
    assert "psychosis_or_agitation" in fired


@pytest.mark.parametrize(
    "text",
    [
        "看电视里说我这种病要少吃盐",
        "家里装了摄像头 看孩子",
        "手机没电了 有点心慌",
    ],
)
def test_a_device_in_an_ordinary_sentence_is_not_psychosis(rules: TriageEngine, text: str) -> None:
    _, fired = level_and_rules(rules, text)
    assert "psychosis_or_agitation" not in fired


# --- even water comes back up (吐 typed as 土 by pinyin): same day ---
# (NICE CKS Gastroenteritis: unable to tolerate oral fluids; Manchester Triage System "Vomiting")


@pytest.mark.parametrize(
    "text",
    [
        "拉肚子一天 喝口水都吐",
        "从昨晚开始一吃就土 喝点水就土",
        "上土下泻 水都喝不进",
    ],
)
def test_vomiting_even_water_is_same_day(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text)
    assert level in (TriageLevel.URGENT, TriageLevel.EMERGENCY)
    assert "cannot_keep_fluids_down" in fired


@pytest.mark.parametrize("text", ["喝水也不吐 就是胃胀", "土豆吃多了 肚子胀", "想吃土豆丝"])
def test_water_kept_down_or_a_potato_is_not_this_net(rules: TriageEngine, text: str) -> None:
    _, fired = level_and_rules(rules, text)
    assert "cannot_keep_fluids_down" not in fired


def test_tu_is_mended_only_where_it_means_vomiting(rules: TriageEngine) -> None:
    assert "吐" in rules.normalize("上土下泻")
    assert rules.normalize("土豆丝") == "土豆丝"


# --- hypoglycaemia more than once last night on insulin: same day to adjust the dose ---
# (ADA Standards of Care 2024 §6; NICE NG17 / NG28; 中国2型糖尿病防治指南 2020)


@pytest.mark.parametrize(
    "text",
    [
        "打胰岛素的 前天晚上低血糖三次 喝了果汁才好",
        "胰岛素打了半年 昨晚低血糖两回 吃了饼干缓过来了",
    ],
)
def test_repeated_night_hypos_on_insulin_are_same_day(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text)
    assert level in (TriageLevel.URGENT, TriageLevel.EMERGENCY)
    assert "recurrent_hypoglycaemia_on_treatment" in fired


@pytest.mark.parametrize(
    "text",
    ["糖尿病 昨晚吃多了 血糖有点高", "打胰岛素 白天低血糖一次 吃了糖就好了"],
)
def test_a_high_reading_or_one_daytime_hypo_is_not_this_net(rules: TriageEngine, text: str) -> None:
    _, fired = level_and_rules(rules, text)
    assert "recurrent_hypoglycaemia_on_treatment" not in fired


# --- hives all over that keep coming on an antihistamine: same day ---
# (中国荨麻疹诊疗指南 2022; NICE CKS Urticaria: a short oral steroid course, watch for angioedema)


@pytest.mark.parametrize(
    "text",
    [
        "一身风团 吃了开瑞坦两天了 还一直冒",
        "荨麻疹 吃了西替利嗪不管用 越起越多",
    ],
)
def test_hives_spreading_on_an_antihistamine_are_same_day(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text)
    assert level in (TriageLevel.URGENT, TriageLevel.EMERGENCY)
    assert "hives_despite_antihistamine" in fired


@pytest.mark.parametrize(
    "text",
    ["荨麻疹 吃了氯雷他定就消了", "身上几个蚊子包 吃了抗过敏药还痒"],
)
def test_hives_that_settle_or_a_few_bites_are_not_this_net(rules: TriageEngine, text: str) -> None:
    _, fired = level_and_rules(rules, text)
    assert "hives_despite_antihistamine" not in fired
