"""Set U's under-triaged cases (issue 10), each fixed by a general discriminator, with look-alikes.

Blind set U (now tuning material) under-triaged: someone at a height or by the water saying they
will not come down (routine, not 110/120); a limb red, swollen and turning black after a cut, with
fever or severe pain (same day, not 120: necrotising fasciitis); a needle of unknown origin
stuck into a hand (self-care, not same day: post-exposure prophylaxis); low platelets with new
bleeding signs (clinic, not same day); and five clinic pictures sent home (a child's squint, spinal
stenosis, recurrent racing heart, multiplying warts, restless legs). Two of the author's levels are
not followed, each for its guideline's reason, written beside its test. Phrases here are our own,
not the blind set's. Look-alikes are asked of the rules alone where the learned layer's
own noise (it reads 楼顶 as an emergency word) would say nothing about the rule under test.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageLevel
from tests.triage.assessing import level_and_rules

# --- at a height or the water's edge, not coming down: suicide in progress, 110/120 (WHO mhGAP 2019; NICE NG225) ---


@pytest.mark.parametrize(
    "text",
    [
        "我现在一个人在天台上 不想再下来了",
        "老公跑到江边了 电话里说一切都结束了",
        "女儿爬上了窗台 说要往下跳",
        "我在大桥上 活不下去了",
    ],
)
def test_at_a_height_and_not_coming_down_is_an_emergency(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    for judge in (rules, engine):
        level, fired = level_and_rules(judge, text)
        assert level is TriageLevel.EMERGENCY
    assert "proto_at_the_edge" in fired


@pytest.mark.parametrize(
    "text",
    [
        "我在楼顶修太阳能热水器 脚扭了一下",
        "我在楼顶晾衣服 太热了 不想下去买菜",
        "孩子在阳台上玩积木 不肯回屋睡觉",
        "在河边跑步 跑完膝盖疼",
    ],
)
def test_work_chores_or_play_up_high_are_not_this_rule(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text)
    assert "proto_at_the_edge" not in fired
    assert level is not TriageLevel.EMERGENCY


# --- a limb red, swollen and black (or blistering widely) with fever or severe pain: necrotising fasciitis, 120 ---
# (NICE NG141 1.1.3; IDSA 2014 SSTI)


@pytest.mark.parametrize(
    "text",
    [
        "小腿被划伤后两天 腿红肿发黑 痛得受不了",
        "手被猫抓破了 现在整只手臂红肿 一大片都起了泡 发高烧",
        "糖尿病 脚背上有个小伤口 这两天脚红肿变黑了 烧到39度",
    ],
)
def test_a_red_swollen_blackening_limb_with_fever_or_severe_pain_is_an_emergency(
    rules: TriageEngine, engine: TriageEngine, text: str
) -> None:
    for judge in (rules, engine):
        level, _ = level_and_rules(judge, text)
        assert level is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "小腿有块地方红肿发热 慢慢变大 没发烧",
        "烫伤起了泡 红肿 疼得要命",
        "腰上一圈红 起了成串的水疱 疼得受不了 是带状疱疹吗",
    ],
)
def test_plain_cellulitis_a_burn_blister_or_shingles_is_not_this_rule(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text)
    assert "necrotising_infection_limb" not in fired
    assert level is not TriageLevel.EMERGENCY


def test_a_sprain_turning_black_and_blue_is_not_this_rule(rules: TriageEngine) -> None:
    _, fired = level_and_rules(rules, "脚崴了 肿得厉害 青紫发黑 疼得要命")
    assert "necrotising_infection_limb" not in fired


# --- a needle of unknown origin: same day, post-exposure prophylaxis within hours ---
# (国家卫生计生委 职业暴露感染艾滋病病毒处理程序规定 2015; NHS "injure myself with a used needle")
# Why it was self-care: no rule read a needlestick, and the learned layer files "针扎一下" beside
# seconds-long chest twinges, which are self-care; quiet_hold only caps the layer, it never raises.


@pytest.mark.parametrize(
    "text",
    [
        "我在公园草丛里捡瓶子 被一个针头扎破了手指",
        "小区保洁 手伸进垃圾袋 被注射器扎到了",
        "倒垃圾的时候让一根针扎了手 流了点血",
    ],
)
def test_a_needle_of_unknown_origin_is_same_day(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    for judge in (rules, engine):
        level, fired = level_and_rules(judge, text)
        assert level in (TriageLevel.URGENT, TriageLevel.EMERGENCY)
    assert "needlestick_unknown_source" in fired


@pytest.mark.parametrize(
    "text",
    [
        "缝扣子的时候被针扎了一下 冒了个血珠",
        "胸口偶尔像针扎一样疼一下",
        "绣十字绣被针扎了手指",
    ],
)
def test_a_sewing_needle_or_a_pricking_pain_is_not_this_rule(rules: TriageEngine, text: str) -> None:
    _, fired = level_and_rules(rules, text)
    assert "needlestick_unknown_source" not in fired


# --- known low platelets with new bleeding signs: same day blood count ---
# (BSH adult ITP guidance; ASH 2019 ITP; 中国成人原发免疫性血小板减少症诊断与治疗指南 2020)


@pytest.mark.parametrize(
    "text",
    [
        "我血小板一直偏低 今天早上鼻子出血了 小腿上好些红点点",
        "化疗后血小板减少 今天刷牙牙龈出血 身上有青紫",
        "妈妈有ITP 这几天手臂上冒出来出血点",
    ],
)
def test_low_platelets_with_new_bleeding_is_same_day(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    for judge in (rules, engine):
        level, fired = level_and_rules(judge, text)
        assert level in (TriageLevel.URGENT, TriageLevel.EMERGENCY)
    assert "low_platelets_new_bleeding" in fired


@pytest.mark.parametrize(
    "text",
    ["血小板有点偏低 体检发现的 没有出血 挂什么科", "血小板低 复查结果出来了 医生让我看血液科"],
)
def test_a_low_count_without_bleeding_is_not_this_net(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text)
    assert "low_platelets_new_bleeding" not in fired
    assert level in (TriageLevel.ROUTINE, TriageLevel.SELF_CARE)


# --- a well baby of six months or more with a fever under 39 for a day: kept at home care, on purpose ---
# The set's author wanted same day for an alert, feeding 8-month-old at 38.8 after one day. NICE NG143
# (traffic light) has no amber or red feature here: from six months a temperature under 39 is not a
# sign by itself, and a child who responds normally, feeds and has a normal colour is green, managed at
# home with advice and "come back if" signs; NICE CKS Feverish children agrees. We keep self-care
# (well_child_fever, tests/triage/test_child_fever_self_care.py) and hold the line where NG143 draws
# it: under three months with 38 or more is red.


def test_an_alert_feeding_baby_over_six_months_with_a_fever_under_39_stays_home_care(engine: TriageEngine) -> None:
    level, _ = level_and_rules(engine, "宝宝九个月 烧到38.6 今天第一天 奶照样喝 精神挺好", age=0.75)
    assert level is TriageLevel.SELF_CARE


def test_a_baby_under_three_months_with_a_fever_is_still_an_emergency(engine: TriageEngine) -> None:
    level, _ = level_and_rules(engine, "宝宝两个月 发烧38.2", age=0.17)
    assert level is TriageLevel.EMERGENCY


# --- clinic, not home care: each a named picture whose guideline sends it to a clinic ---
# Squint in a child (NHS "Squint"); walking-induced back and leg pain eased by sitting, spinal stenosis
# (NASS 2011, NICE NG59); recurrent sudden racing heart (NICE CKS Palpitations: ECG); warts that keep
# multiplying (NHS "Warts and verrucas": lots of warts, see a GP); restless legs at night spoiling sleep
# (NHS "Restless legs syndrome"). A single period ten days late with a negative test and nothing else
# is kept at home care: NHS "Stopped or missed periods" sends to a GP after three missed in a row.


@pytest.mark.parametrize(
    ("text", "rule", "age"),
    [
        ("儿子四岁 看电视的时候有点对眼", "squint", 4.0),
        ("我妈腰疼好几年了 走一会儿路就疼得发麻 坐下歇歇就好", "spinal_stenosis_walking", None),
        ("心跳时不时忽然加速 过一会儿自己就停了", "palpitations_episodes", None),
        ("晚上躺下小腿里像有虫爬 得起来走一走才舒服", "restless_legs", None),
    ],
)
def test_a_clinic_picture_is_routine(
    rules: TriageEngine, engine: TriageEngine, text: str, rule: str, age: float | None
) -> None:
    level, fired = level_and_rules(rules, text, age=age)
    assert level is TriageLevel.ROUTINE
    assert rule in fired
    # the learned layer may still lift a picture to same day; it must not send it home or to 120
    level, _ = level_and_rules(engine, text, age=age)
    assert level in (TriageLevel.ROUTINE, TriageLevel.URGENT)


def test_warts_that_keep_multiplying_leave_home_care(rules: TriageEngine, engine: TriageEngine) -> None:
    text = "脚背上的疣子越长越多 现在有七八个了"
    assert level_and_rules(rules, text)[0] is TriageLevel.ROUTINE
    assert level_and_rules(engine, text)[0] in (TriageLevel.ROUTINE, TriageLevel.URGENT)


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("女儿五岁 看书久了眼睛发干", 5.0),
        ("腰有点酸 坐久了就酸", None),
        ("手指上有一个小疣子 不疼", None),
        ("月经晚了一个礼拜 验孕是一条杠 人没什么不舒服", None),
    ],
)
def test_honest_home_care_stays_home_care(engine: TriageEngine, text: str, age: float | None) -> None:
    level, _ = level_and_rules(engine, text, age=age)
    assert level is TriageLevel.SELF_CARE
