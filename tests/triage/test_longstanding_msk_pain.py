"""A long-standing joint, back or neck pain without red flags is a clinic case (conversation set 14's X38).

A 68-year-old woman with knee pain "上下楼梯疼得厉害" for "好几个月了，阴天下雨更疼" was told to see a
doctor within 24 hours: "疼得厉害" fired the general severe-pain discriminator (nets.yml
``severe_pain``), and a back pain said the same way was also raised by ``back_pain``'s severe level
(even "持续", "一直不好" counted) and read as renal colic (``kidney_stone``). Pain that is bad on
stairs or on walking, for weeks to years, with no trauma, hot or swollen joint, fever, inability to
bear weight, neurological sign, weight loss or cancer history, is osteoarthritis or another
mechanical pain and is seen in the orthopaedic / rheumatology clinic, in the elderly too:
中国骨关节炎诊疗指南（2021）; NICE NG226 Osteoarthritis in over 16s (diagnose clinically, manage in
primary/outpatient care); NICE NG59 Low back pain and sciatica (no red flags: not urgent); MTS
"Limb problems" (only a recent problem is standard, a chronic one non-urgent). red_flags.yml
``LONGSTANDING_MSK_PAIN`` writes the picture once; any danger word lifts it, and a child's
long-standing bone pain keeps its level (NICE NG12: a child's unexplained bone pain is X-rayed
within 48 hours). Pain said to be unbearable or not helped by painkillers stays same day.
Phrases are our own.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel

X38 = "我膝盖疼 上下楼梯疼得厉害；好几个月了 阴天下雨更疼"


@pytest.mark.parametrize(
    ("text", "age"),
    [
        (X38, 68),
        (X38 + "；没摔过 也不肿", 68),
        ("我妈膝盖一上下楼就疼得厉害 都大半年了 也没红肿", 72),
        ("老伴两个膝盖疼得很厉害 走多了更疼 一年多了", 75),
        ("髋关节走远路疼得特别厉害 有大半年了", 66),
        ("右边肩膀疼得厉害 抬手梳头都费劲 半年多了", 58),
        ("肩膀疼 两个多月了 晚上疼得更厉害", 50),
        ("手指关节疼得厉害 早上起来发僵 三个多月了", 61),
        ("脚后跟早上下地疼得厉害 走一会儿好点 一个多月了", 45),
        ("手腕疼得厉害 拧毛巾都疼 两个多月了", 52),
        ("腰疼得厉害 好几年的老毛病了 弯腰久坐就疼", 70),
        ("腰疼持续三个月了 一直不好", 60),
        ("脖子疼得厉害 颈椎病好多年了 低头久了更重", 45),
        ("腰疼了三个星期 疼得厉害 大小便正常 腿不麻", 48),
    ],
)
def test_long_standing_pain_without_red_flags_is_routine(engine: TriageEngine, text: str, age: int) -> None:
    for judge in (engine, TriageEngine(engine.knowledge)):  # with the learned layer and the rules alone
        result = judge.assess(TriageInput(text=text, age=age))
        assert result.level is TriageLevel.ROUTINE, (text, result.reasons)
        assert result.departments[0] == "orthopedics"
        assert "emergency" not in result.departments


def test_x38_goes_to_orthopaedics_or_rheumatology(rules: TriageEngine) -> None:
    result = rules.assess(TriageInput(text=X38, age=68, sex="female"))
    assert result.departments[:2] == ["orthopedics", "rheumatology"]
    assert "severe_pain" not in [reason.rule for reason in result.reasons]


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("膝盖疼得厉害 好几个月了 这两天又红又肿 摸着发烫", 68),  # hot swollen joint
        ("膝盖疼得厉害 好几个月了 现在走不了路", 68),  # cannot bear weight
        ("膝盖疼得厉害 好几个月了 昨天摔了一下", 68),  # trauma
        ("膝盖疼得厉害 好几个月了 小腿也肿了", 68),  # calf swelling
        ("腰疼得厉害 好几个月了 人瘦了很多", 66),  # weight loss
        ("腰疼得厉害 好几个月了 以前得过乳腺癌", 66),  # cancer history
        ("腰背疼几个月了 晚上疼得睡不着 人瘦了十几斤", 65),  # night pain with weight loss
        ("膝盖疼得受不了 好几个月了", 68),  # unbearable now
        ("膝盖疼得厉害 好几个月了 吃止痛药也没用", 68),  # painkillers do not help
        ("腰疼得直不起腰 三个月了", 70),
        ("膝盖换过关节 疼得厉害 好几个月了", 68),  # prosthetic joint
        ("我妈膝盖疼 上下楼梯疼得厉害 好几个月了 她有糖尿病", 68),
        ("膝盖疼得厉害 三天了", 68),  # recent, not long-standing
        ("腰疼得厉害 三天了", 30),
        ("膝盖疼得厉害 好几个月了", 10),  # a child's bone pain (NICE NG12)
        ("我儿子12岁 膝盖疼得厉害 好几个月了", None),
        ("怀孕三个月 腰疼得厉害", 30),
    ],
)
def test_a_red_flag_or_a_recent_onset_keeps_same_day(engine: TriageEngine, text: str, age: int | None) -> None:
    result = engine.assess(TriageInput(text=text, age=age))
    assert result.level >= TriageLevel.URGENT, (text, result.reasons)


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("膝盖突然红肿发烫 发烧38度5", 68),  # septic arthritis
        ("膝盖疼好几个月了 今天摔了一跤 站不起来", 78),  # an elder who cannot get up after a fall
        ("摔了一跤 腿疼得厉害 不能走路", 75),
        ("腰疼好几个月了 最近两腿发麻没劲 大小便控制不住", 50),  # cauda equina
        ("腰疼得厉害 好几个月了 两条腿都没劲", 68),
        ("膝盖疼得厉害 好几个月了 今天胸口也疼", 68),
    ],
)
def test_emergencies_stay_emergencies(engine: TriageEngine, text: str, age: int) -> None:
    assert engine.assess(TriageInput(text=text, age=age)).level is TriageLevel.EMERGENCY


def test_a_mild_word_about_another_sign_does_not_make_it_self_care(rules: TriageEngine) -> None:
    """Severity said but calmed leaves the complaint at its usual level, never at its mild one."""
    text = "腰疼得厉害 一年多了 腿也有点麻"
    result = rules.assess(TriageInput(text=text, age=55))
    assert result.level is TriageLevel.ROUTINE
    assert all(r.level is not TriageLevel.SELF_CARE for r in result.reasons if r.rule == "back_pain")
