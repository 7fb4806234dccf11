"""Still ill on a course of treatment: not poisoning, and not an emergency by the learned layer alone (issue 10).

中国急性中毒诊断与治疗专家共识（2016）; NHS 111: a patient (child or adult) who took their own
medicine and is still ill has no poisoning - the illness is triaged, and not getting better on a
course is a reason to see a doctor soon, not an emergency by itself. Two parts:

- the "把" forms of the poisoning red flag ("我把药吃了还是头疼", "孩子把消炎药吃了还是发烧") stand down
  when a treatment course is said, as the plain "孩子吃了…药" does since 92df5ee - unless an
  accidental marker, someone else's medicine, a high-risk drug or three tablets or more is said;
- the learned layer may raise a treatment course of an ordinary complaint (fever, cough, cold, sore
  throat, headache) with no red flag, no net and no risk group to urgent at most, not to emergency
  (data/triage/learned.yml course_hold). The rules still decide emergencies: a course with 喘不上气,
  嘴唇发紫, 抽了, 叫不醒 is an emergency on the rules alone.

Our own words, no vignette's.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel, blend
from services.clinical.triage.learned import Prediction, combine, load_settings

EMERGENCY = TriageLevel.EMERGENCY
URGENT = TriageLevel.URGENT


COURSES = [
    "我闺女吃了四天的头孢克肟了，还是一阵一阵地咳",
    "我把止痛药吃了 头还是疼 下午还要上班",
    "我吃了两天止疼片 头还是一跳一跳地痛",
    "孩子把头孢吃了三天了还是有点低烧",
    "小孩川崎病出院了 每天吃阿司匹林 已经十来天了",
    "儿子咳嗽吃了五天药了还没好利索",
    "我把医生开的消炎药吃了两天了 嗓子还是疼",
    "女儿把感冒药吃了还是流鼻涕 鼻子也塞",
    "我把药吃了还是头疼",
    "孩子把消炎药吃了还是发烧",
    "儿子把退烧药吃了 还是烧着",
    "我把感冒药吃了两天了还是咳",
]


@pytest.mark.parametrize("text", COURSES)
def test_a_course_of_treatment_is_not_poisoning_on_the_rules_alone(rules: TriageEngine, text: str) -> None:
    result = rules.assess(TriageInput(text=text))
    assert "poisoning" not in result.red_flags
    assert result.level is not EMERGENCY


@pytest.mark.parametrize("text", COURSES)
def test_a_course_of_an_ordinary_complaint_is_not_raised_to_an_emergency(engine: TriageEngine, text: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level is not EMERGENCY
    assert result.red_flags == []


def test_the_layer_says_it_held_a_course_at_urgent(engine: TriageEngine) -> None:
    result = engine.assess(TriageInput(text="我闺女吃了四天的头孢克肟了，还是一阵一阵地咳"))
    assert result.level is URGENT
    line = next(r for r in result.reasons if r.rule == blend.LEARNED_RULE)
    assert "治疗中的普通病症" in line.label and "不提高为“急诊”" in line.label


COURSE_AND_RED_FLAG = [
    "孩子吃了四天头孢还是咳 现在喘不上气",
    "女儿吃了两天消炎药还在烧 嘴唇发紫",
    "儿子吃了三天感冒药还是发烧 刚才抽了一下 眼睛上翻",
    "孩子吃了好几天退烧药 今天怎么叫都叫不醒",
    "我把药吃了还是头疼 现在说话不清楚 半边手没劲",
]


@pytest.mark.parametrize("text", COURSE_AND_RED_FLAG)
def test_a_course_with_a_red_flag_is_an_emergency_on_the_rules_alone(rules: TriageEngine, text: str) -> None:
    result = rules.assess(TriageInput(text=text))
    assert result.level is EMERGENCY
    assert "poisoning" not in result.red_flags


@pytest.mark.parametrize("text", COURSE_AND_RED_FLAG)
def test_a_course_with_a_red_flag_is_an_emergency_with_the_layer(engine: TriageEngine, text: str) -> None:
    assert engine.assess(TriageInput(text=text)).level is EMERGENCY


INGESTIONS = [
    "孩子吃了三天感冒药，今天趁我不注意把奶奶的安眠药吃了",
    "女儿把一整瓶退烧药喝了",
    "我不小心把药吃了两回",
    "儿子吃着头孢呢 又把爷爷的降压药吃了几片",
    "孩子把药吃了 怎么办",  # nothing said either way: an emergency, as before
    "宝宝把我的药吃了两片 还是咳",  # a parent's medicine, with a course word
    "我把一板安眠药都吃了",
]


@pytest.mark.parametrize("text", INGESTIONS)
def test_an_accidental_ingestion_is_poisoning(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    alone = rules.assess(TriageInput(text=text))
    assert "poisoning" in alone.red_flags
    assert alone.level is EMERGENCY
    assert engine.assess(TriageInput(text=text)).level is EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "宝宝八个月 吃了三天头孢还是咳嗽",  # an infant: every infant is outside the hold
        "孩子吃了三天头孢 身上起了好多红疹子 眼皮也肿了",  # a drug reaction
        "我吃了我妈的降压药两天了还是头疼",  # someone else's, and a high-risk drug
        "孩子吃了两天退烧药了还是烧 精神很差",  # the parent's own worry
        "吃了一周的药还是胸口闷得慌",  # not an ordinary complaint
        "吃了三天药 肚子还是一阵一阵地疼",
    ],
)
def test_the_hold_is_narrow(engine: TriageEngine, text: str) -> None:
    found = engine.rules_only(TriageInput(text=text))
    assert engine.learned is not None
    hold = engine._course_hold(engine.learned.settings)
    assert hold is not None
    assert not blend.course_of_ordinary_complaint(found, hold, engine.knowledge.interview.worrying)


def test_the_hold_applies_to_a_plain_course(engine: TriageEngine) -> None:
    found = engine.rules_only(TriageInput(text="我闺女吃了四天的头孢克肟了，还是一阵一阵地咳"))
    assert engine.learned is not None
    hold = engine._course_hold(engine.learned.settings)
    assert blend.course_of_ordinary_complaint(found, hold, engine.knowledge.interview.worrying)


def _prediction(emergency: float) -> Prediction:
    rest = (1 - emergency) / 3
    return Prediction(
        {
            TriageLevel.SELF_CARE: rest,
            TriageLevel.ROUTINE: rest,
            TriageLevel.URGENT: rest,
            TriageLevel.EMERGENCY: emergency,
        },
        (),
    )


def test_the_cap_limits_the_raise_and_never_lowers() -> None:
    settings = load_settings()
    sure = _prediction(0.9)
    assert combine(TriageLevel.ROUTINE, sure, settings, may_lower=False, said=20).level is EMERGENCY
    held = combine(TriageLevel.ROUTINE, sure, settings, may_lower=False, said=20, at_most=URGENT)
    assert (held.level, held.moved) == (URGENT, "held")
    assert combine(TriageLevel.SELF_CARE, sure, settings, may_lower=True, said=20, at_most=URGENT).level is URGENT
    assert combine(URGENT, sure, settings, may_lower=False, said=20, at_most=URGENT).level is URGENT
    assert combine(EMERGENCY, sure, settings, may_lower=False, said=20, at_most=URGENT).level is EMERGENCY


def test_the_hold_names_known_complaints(rules: TriageEngine) -> None:
    settings = load_settings()
    assert settings.course_hold is not None
    known = {s.spec.id for s in rules.knowledge.symptoms}
    assert set(settings.course_hold.complaints) <= known
