"""Set Q's misses, read after its one sealed scoring (issue 10): each fix with its own test.

Set Q (a fresh blind author's 507 vignettes) was scored once sealed (docs/triage-blind.md:
level 0.856, 173/176 emergencies, 16 under-triaged), then read. Its three missed emergencies
and the under-triaged urgent and routine cases are fixed by general discriminators whose
sources stand in data/triage/ (red_flags.yml, nets.yml, self_care.yml, symptoms.yml) and one
reading fix (services/clinical/triage/normalize.py). Tested here in our own words, on the
rules alone (the chat edge's engine), each beside look-alikes that must stay where they were.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel

SEEN_TODAY = (TriageLevel.URGENT, TriageLevel.EMERGENCY)
AT_LEAST_ROUTINE = (TriageLevel.ROUTINE, TriageLevel.URGENT, TriageLevel.EMERGENCY)


def _level(engine: TriageEngine, text: str, **given: object) -> TriageLevel:
    return engine.assess(TriageInput(text=text, **given)).level


# --- a boy or man who says "下面" for his scrotum: sudden one-sided pain is torsion (EAU, TWIST) ---


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("下面左边忽然疼起来 想吐", 12),
        ("下面右边一下子痛得厉害", 16),
        ("半夜疼醒 下面肿了一边", 15),
        ("踢球回来下面突然痛 肚子也疼", 20),
    ],
)
def test_sudden_pain_below_in_a_male_is_an_emergency(rules: TriageEngine, text: str, age: int) -> None:
    assert _level(rules, text, age=age, sex="male") is TriageLevel.EMERGENCY


def test_the_same_words_from_a_son_reach_the_edge(rules: TriageEngine) -> None:
    """At the chat edge only the text is known: "儿子" says the sex."""
    assert rules.red_flags("我儿子下面一边突然很痛 还想吐")


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("下面长了几个水疱 突然很痛 一边肿", "male"),  # a rash, not torsion
        ("下面那颗牙突然痛 一边脸肿", "male"),  # a tooth
        ("肚子下面一边突然痛 有点恶心", "female"),  # a woman's 下面 is another story
        ("下面一边有点不舒服 两天了", "male"),  # neither sudden nor severe
    ],
)
def test_look_alikes_of_torsion_are_not_this_rule(rules: TriageEngine, text: str, sex: str) -> None:
    found = rules.assess(TriageInput(text=text, age=30, sex=sex))
    assert "testicular_torsion_said_below" not in found.red_flags


# --- projectile vomiting under three months, every way of saying it (NICE NG1) ---


@pytest.mark.parametrize(
    "text",
    [
        "宝宝六周 吃完奶就喷射状地吐 尿比平时少",
        "两个月宝宝 吐得老远 像喷出来一样 尿布半天不湿",
        "五周大 奶全喷出来了 这两天尿也很少",
    ],
)
def test_projectile_vomiting_and_dehydration_under_three_months_is_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.EMERGENCY


@pytest.mark.parametrize("text", ["宝宝六周 喷着吐奶 吃得好 尿也多", "一个月宝宝 吐得很远 精神好"])
def test_projectile_vomiting_of_a_well_young_infant_is_seen_today(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.URGENT


# --- a deep or heavily bleeding animal bite of the face, head or neck (MTS, WHO category III) ---


@pytest.mark.parametrize("text", ["狗咬了我脖子 伤口挺深的", "被猫咬到嘴唇 血止不住"])
def test_a_deep_or_bleeding_bite_of_the_face_or_neck_is_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.EMERGENCY


@pytest.mark.parametrize("text", ["被狗咬了脸 伤口不深 血不多", "被狗咬了小腿 破皮出了点血"])
def test_a_small_bite_is_seen_today_not_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.URGENT


# --- a temperature followed by a clause that says something else is normal ---


def test_a_fever_is_not_denied_by_the_next_clause(rules: TriageEngine) -> None:
    assert _level(rules, "五个月宝宝 38.6度 喝奶正常", age=0.42) is TriageLevel.URGENT


# --- infants and small children losing fluid (NICE CG84 1.2.1.2) ---


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("今天已经吐了五次", 0.7),
        ("吐了好几次 拉了三次", 0.4),
        ("一天拉了八九次 不肯喝水", 2),
        ("腹泻十几次 尿比平时少", 4),
    ],
)
def test_fluid_losses_of_small_children_are_seen_today(rules: TriageEngine, text: str, age: float) -> None:
    assert _level(rules, text, age=age) in SEEN_TODAY


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("吐了三次奶 吃得好 长得好", 0.3),  # regurgitating milk
        ("拉了两次稀的 能喝水 尿也正常 精神好", 4),
    ],
)
def test_small_losses_stay_below_today(rules: TriageEngine, text: str, age: float) -> None:
    assert _level(rules, text, age=age) not in SEEN_TODAY


# --- days without any sleep with a racing mind (NICE CG185: suspected mania) ---


@pytest.mark.parametrize("text", ["三个晚上一点都没睡 一点不困 想法特别多", "好几天没合眼 坐立不安"])
def test_nights_without_sleep_and_arousal_are_seen_today(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text, age=30) in SEEN_TODAY


@pytest.mark.parametrize("text", ["这几天没睡好 有点烦", "三天没睡好 白天很困"])
def test_poor_sleep_is_not_raised_to_today(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text, age=30) not in SEEN_TODAY


# --- known hyperthyroidism with a fast pulse ---


def test_hyperthyroid_with_pulse_over_100_is_seen_today(rules: TriageEngine) -> None:
    assert _level(rules, "我有甲亢 这几天手抖 量了心率105", age=40) in SEEN_TODAY


def test_hyperthyroid_with_a_normal_pulse_is_not_raised(rules: TriageEngine) -> None:
    assert _level(rules, "甲亢在吃药 心率80 想复查一下", age=40) not in SEEN_TODAY


# --- nosebleeds counted in a day ---


def test_several_nosebleeds_in_a_day_are_seen_today(rules: TriageEngine) -> None:
    assert _level(rules, "鼻子今天流了四次血 捏一会儿能止住", age=35) in SEEN_TODAY


def test_one_nosebleed_that_stopped_is_self_care(rules: TriageEngine) -> None:
    assert _level(rules, "天气干 流了一次鼻血 捏了十分钟止住了", age=35) is TriageLevel.SELF_CARE


# --- routine problems a home remedy does not settle ---


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("便秘两年多了 大便干 喝蜂蜜不管用", 35),  # chronic constipation, remedies failed
        ("孩子老是便秘 拉屎的时候喊疼", 4),  # painful withholding in a child (NICE CG99)
        ("痘痘好多 脸上留了印子和坑", 22),  # scarring acne (NICE NG198)
        ("反酸烧心 一直在吃雷贝拉唑", 45),  # reflux on a PPI (NICE CG184)
        ("智齿旁边的牙龈时不时肿起来", 24),  # pericoronitis
        ("月经前乳房胀 摸着有结节", 35),  # cyclical pain with nodularity
    ],
)
def test_routine_problems_are_not_home_care(rules: TriageEngine, text: str, age: int) -> None:
    assert _level(rules, text, age=age) in AT_LEAST_ROUTINE


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("长期便秘 三四天一次", 35),
        ("孩子这两天大便有点干 拉的时候有点疼", 6),
        ("下巴冒了一颗痘 有点红", 20),
        ("吃了火锅 有点反酸", 30),
    ],
)
def test_honest_self_care_stays_self_care(engine: TriageEngine, text: str, age: int) -> None:
    """As the assistant answers (rules and the learned layer): none of the new routine nets fires."""
    assert _level(engine, text, age=age) is TriageLevel.SELF_CARE
