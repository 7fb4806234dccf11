"""Set S's misses (issue 10), each fixed by a general discriminator, with look-alikes that stay where they were.

Blind set S (now tuning material) under-triaged four presentations: an insulin dose given twice
by mistake (urgent, not 120), falls again and again within days with walking getting weaker in an
older parent (routine, not same-day), a child's thirst with night-time urination and weight loss
(routine, not same-day), and a verruca that hurts to walk on (self-care, not clinic). Phrases here
are our own, not the blind set's.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageLevel
from tests.triage.assessing import level_and_rules

# --- an extra insulin dose by mistake: severe hypoglycaemia risk (ADA Standards of Care 2024 s.6; NHS Insulin) ---


@pytest.mark.parametrize(
    "text",
    [
        "我妈打胰岛素 打完就忘了 以为没打 又打了一针 还没吃早饭",
        "外公打诺和锐 记不清打没打 结果又注射了一次",
        "我不小心多打了十几个单位胰岛素",
        "爸爸打胰岛素 糊涂了 晚上打了两次",
    ],
)
def test_an_extra_insulin_dose_by_mistake_is_an_emergency(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    for judge in (rules, engine):
        level, _ = level_and_rules(judge, text)
        assert level is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "我每天打一次胰岛素 今天已经打过了 血糖6点多",
        "胰岛素是吃饭前打还是吃完饭再打",
        "老妈打胰岛素 今天早上忘记打了",
        "我一天打两次胰岛素 早上一次晚上一次",
    ],
)
def test_a_usual_dose_a_timing_question_or_a_missed_dose_is_not_120(engine: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(engine, text)
    assert level is not TriageLevel.EMERGENCY


# --- falls again within days with walking getting weaker: same day (NICE CG161 / NG249) ---


@pytest.mark.parametrize(
    "text",
    ["我妈这几天摔了三回 腿发软 走路不稳", "爷爷这个星期跌倒了两次 人没受伤 可是越来越走不动"],
)
def test_repeated_falls_in_days_with_weaker_walking_are_same_day(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text)
    assert "recurrent_falls_with_decline" in fired
    assert level in (TriageLevel.URGENT, TriageLevel.EMERGENCY)


@pytest.mark.parametrize("text", ["外婆半年前摔过一跤 后来一直挺好的", "我这周打球摔了两次 膝盖擦破点皮"])
def test_an_old_single_fall_or_a_young_sports_fall_is_not_this_net(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text)
    assert "recurrent_falls_with_decline" not in fired
    assert level in (TriageLevel.ROUTINE, TriageLevel.SELF_CARE)


# --- a child's thirst with night urination or weight loss: suspected type 1 diabetes, same day (NICE NG18 1.1.1) ---


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("女儿8岁 这阵子水喝得特别多 夜里要起来尿好几次 脸也瘦了", 8),
        ("儿子12岁 最近老是口渴 体重掉了三四斤", 12),
        ("孩子7岁 喝水多 尿也多", 7),
    ],
)
def test_a_thirsty_child_who_passes_urine_at_night_or_loses_weight_is_same_day(
    rules: TriageEngine, text: str, age: float
) -> None:
    level, fired = level_and_rules(rules, text, age=age)
    assert "child_thirst_and_polyuria" in fired
    assert level is TriageLevel.URGENT


@pytest.mark.parametrize(
    ("text", "age"),
    [("孩子6岁 天热出汗多 喝水多 尿不多 吃睡都好", 6), ("女儿9岁 夏天玩得多 喝水比平时多", 9)],
)
def test_a_child_drinking_more_in_hot_weather_only_is_not_this_net(rules: TriageEngine, text: str, age: float) -> None:
    _, fired = level_and_rules(rules, text, age=age)
    assert "child_thirst_and_polyuria" not in fired


# --- a wart that hurts to walk on goes to a clinic (NHS Warts and verrucas) ---


@pytest.mark.parametrize("text", ["脚掌上有颗跖疣 走路踩着疼", "脚后跟长了个瘊子 穿鞋走路硌得难受"])
def test_a_wart_that_hurts_to_walk_on_is_a_clinic_visit(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(rules, text)
    assert level is TriageLevel.ROUTINE
    level, _ = level_and_rules(engine, text)
    assert level not in (TriageLevel.SELF_CARE, TriageLevel.EMERGENCY)


@pytest.mark.parametrize("text", ["手背上长了个小疣子 不痛不痒", "脚底有个瘊子 走路不硌也不疼"])
def test_a_painless_wart_stays_self_care(engine: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(engine, text)
    assert level is TriageLevel.SELF_CARE
