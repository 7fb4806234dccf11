"""Round on set M (tuning material after its one sealed scoring): the rules' emergency/urgent boundary, issue 10.

Two kinds of fix, each general rather than a family of one set's phrases:

* missed emergencies - a blood pressure said without the word 血压 ("190/120"), a pregnancy's
  weeks said bare by a patient known to be pregnant, severe hypertension in pregnancy without
  symptoms (NICE NG133), a low blood pressure said softly beside a fever (NICE NG51), rebound
  pain said with words in between;
* over-triage where the patient denies the deciding discriminator - the negation reader now
  reads "但是不喘", and rules honour "没晕" (NICE NG232), "手脚都能动 没有麻" (Canadian C-spine
  rule), "没有计划 / 不会去做" (WHO mhGAP), a temperature of 37.x (NICE NG151), an orthostatic
  faint with immediate recovery (NICE CG109) and a moderate potassium (UKKA 2020).

Every case is our own paraphrase, asked of the rules alone (the chat edge's engine), with "keep"
cases that must stay emergency. Sources are cited beside each rule in data/triage/*.yml.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel

EMERGENCY = TriageLevel.EMERGENCY
URGENT = TriageLevel.URGENT


def _level(engine: TriageEngine, text: str, **given: Any) -> TriageLevel:
    return engine.assess(TriageInput(text=text, **given)).level


# -- 1. missed emergencies: general discriminators --------------------------------------


@pytest.mark.parametrize(
    ("text", "given"),
    [
        ("降压药吃过了 量出来还是200/118 胸口发闷", {"age": 70}),
        ("早上测了185/125 头痛得厉害 看东西模糊", {}),
        ("30周了 今天在家量的168/105", {"pregnant": True, "age": 31}),
        ("怀孕的 血压170/115 没有别的不舒服", {"pregnant": True}),
        ("发高烧 打寒战 肾那里痛 血压有些低", {"age": 50}),
        ("发烧39度 人发抖 血压偏低", {}),
        ("右下边肚子痛 按下去松开的时候更痛", {}),
    ],
)
def test_a_general_discriminator_now_calls_the_emergency(rules: TriageEngine, text: str, given: dict[str, Any]) -> None:
    assert _level(rules, text, **given) is EMERGENCY


def test_a_number_pair_that_is_no_pressure_is_not_read_as_one(rules: TriageEngine) -> None:
    """A date or a small fraction is no blood pressure: nothing here may call 120."""
    assert _level(rules, "12/25 那天开始咳嗽 有点痰") is not EMERGENCY
    assert _level(rules, "吃了1/2片 有点头晕") is not EMERGENCY


# -- 2. denied discriminators honoured: urgent, not 120 -------------------------------


@pytest.mark.parametrize(
    ("text", "given"),
    [
        # hives or a swollen eyelid, breathing and throat said fine (Resuscitation Council UK 2021)
        ("身上起了好多风团 眼皮也肿了 可是不喘", {}),
        ("上嘴唇突然肿了 喉咙不紧 喘气正常", {}),
        # passive death wish with no plan said (WHO mhGAP 2019)
        ("这段时间老是想死 但是没有计划", {}),
        ("有时候真觉得不如死了 不过不会去做什么", {"age": 28}),
        # chemotherapy with a temperature under 38 and nothing else (NICE NG151)
        ("正在化疗 刚量37.4 要不要紧", {}),
        # orthostatic faint with immediate recovery in a young adult (NICE CG109)
        ("久站以后晕倒了 几秒就醒了 现在没事", {"age": 22}),
        # elderly head knock, no loss of consciousness, no anticoagulant (NICE NG232)
        ("我妈摔了一下 额头碰到桌子 没晕 人是清醒的", {"age": 78}),
        # simple rear-end collision, limbs said to move and no numbness (Canadian C-spine rule)
        ("开车被人追尾 脖子有点痛 手脚都能动 不麻", {"age": 35}),
        # moderate potassium with no symptoms (UK Kidney Association 2020)
        ("做透析的 化验血钾6.2 人没什么不舒服", {"age": 58}),
        # newborn jaundice to the abdomen, feeding well, after day one (NICE CG98)
        ("宝宝生下来第六天 皮肤黄到肚子 吃奶挺好", {"age": 0.02}),
    ],
)
def test_a_denied_or_absent_discriminator_is_same_day(rules: TriageEngine, text: str, given: dict[str, Any]) -> None:
    assert _level(rules, text, **given) is URGENT


# -- 3. keep: the same complaints with the discriminator present stay emergency --------


@pytest.mark.parametrize(
    ("text", "given"),
    [
        ("吃了虾 身上起风团 有点喘", {}),
        ("嘴唇肿了 喉咙发紧", {}),
        ("眼皮肿了 但是喘得厉害", {}),
        ("想死 药都攒好了", {}),
        ("我想死 救救我", {}),
        ("不想活了 但没有计划 绳子已经准备好了", {}),
        ("在化疗 体温38.3", {}),
        ("在化疗 体温37.6 但是发冷发抖", {}),
        ("站起来的时候晕倒了 马上就醒了", {"age": 72}),
        ("跑步的时候晕倒了 马上醒了", {"age": 20}),
        ("站起来晕倒了一下 很快醒了 之前心慌", {"age": 30}),
        ("老人摔了一跤 头磕了 没晕 吃着华法林", {"age": 80}),
        ("爷爷摔倒头撞了 没晕 但是吐了两次", {"age": 81}),
        ("老人摔了 头碰到地上", {"age": 85}),
        ("车被追尾 脖子痛 手有点麻", {}),
        ("高速上被追尾 脖子痛 手脚能动", {}),
        ("透析的 血钾6.8 没什么感觉", {}),
        ("血钾6.1 手脚发麻没力气", {}),
        ("出生第三天 黄到手心脚心了", {"age": 0.01}),
        ("出生第五天 黄到肚子 一直睡 叫不太醒", {"age": 0.01}),
    ],
)
def test_keep_the_emergency_when_the_discriminator_is_there(
    rules: TriageEngine, text: str, given: dict[str, Any]
) -> None:
    assert _level(rules, text, **given) is EMERGENCY


def test_but_is_read_before_a_denial(rules: TriageEngine) -> None:
    """The negation reader: "是不是" stays no denial ("但是不" is one)."""
    assert _level(rules, "全身起风团 是不是喘") is EMERGENCY
