"""A well child's fever is self-care (NICE NG143 traffic light, NICE CKS Feverish children), issue 10.

A child from six months to under 14 whose parent says the child is well - plays, smiles, is alert
(NG143 "green": responds normally, stays awake, normal colour and cry) - with a fever below 39 for
no more than three days gets home care with concrete advice and "come in if" signs
(``data/triage/self_care.yml`` ``well_child_fever``). Any amber or red feature, a focal sign, a
risk group, a younger baby, an unknown age, 39 or more, a long or recurring fever keeps its level.
Every text is our own paraphrase, never a vignette's.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel

SELF_CARE = TriageLevel.SELF_CARE
EMERGENCY = TriageLevel.EMERGENCY


def _level(engine: TriageEngine, text: str, **given: object) -> TriageLevel:
    return engine.assess(TriageInput(text=text, **given)).level


# -- a well child with a fever below 39: home care -----------------------------------------------

WELL = [
    "女儿五岁 发烧38.2度 精神头挺足 在看绘本",
    "娃一岁 烧到38.8 逗他还会笑 奶也照常吃",
    "宝宝十个月 发热38.6 今天刚开始 玩玩具玩得好好的",
    "闺女7岁 体温38.3 有点咳嗽 照样在家蹦蹦跳跳",
    "孩子四岁 昨天开始发烧 最高38.7 嗓子有点疼 精神不错",
    "儿子两岁半 今天烧到38.4 刚才还满屋子跑",
    "孩子三岁 低烧37.8 流清鼻涕 精神挺好",
]


@pytest.mark.parametrize("text", WELL)
def test_a_well_child_with_a_fever_gets_home_care(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    assert _level(rules, text) is SELF_CARE
    result = engine.assess(TriageInput(text=text))
    assert result.level is SELF_CARE  # the learned layer does not overrule what the parent said
    assert result.departments[0] == "pediatrics"


def test_the_advice_is_concrete_and_says_when_to_come_in(engine: TriageEngine) -> None:
    advice = engine.assess(TriageInput(text="孩子两岁 发烧38.6 精神挺好 还在玩")).advice
    for said in ("喝水", "对乙酰氨基酚", "不要用温水或酒精擦身", "不是为了把体温降到正常", "穿得轻薄"):
        assert said in advice
    signs = ("抽搐", "不褪色", "很难叫醒", "呼吸很快", "尿明显变少", "脖子发硬", "3个月以下", "超过5天", "从国外回来")
    for sign in signs:
        assert sign in advice


def test_the_age_given_beside_the_text_counts(rules: TriageEngine) -> None:
    assert _level(rules, "发烧38.5 精神还行 在院子里跑着玩", age=4) is SELF_CARE


def test_saying_alert_in_answer_to_the_question_is_enough(engine: TriageEngine) -> None:
    text = "孩子三岁 发烧38.6 流鼻涕"
    asked = engine.assess(TriageInput(text=text))
    assert asked.level is not SELF_CARE
    assert "alertness" in [q.id for q in asked.questions]
    assert engine.assess(TriageInput(text=text, answers={"alertness": "normal"})).level is SELF_CARE
    assert engine.assess(TriageInput(text=text, answers={"alertness": "drowsy"})).level is EMERGENCY


# -- too young, too hot, too long, or age unknown: kept as before ---------------------------------


@pytest.mark.parametrize(
    ("text", "given"),
    [
        ("宝宝五个月 发烧38.3 精神挺好 还会笑", {}),  # under six months: seen the same day
        ("宝宝五个月 发烧39.1 精神挺好 还会笑", {}),  # 3-6 months and 39: amber
        ("孩子两岁 发烧39.3 还在玩", {}),  # 39 or more: the urgent net stands
        ("孩子三岁 烧了五天了 38.5 还在玩", {}),  # five days: amber (Kawasaki)
        ("孩子四岁 发烧38.5 反复烧了三次了 退了又烧 在玩", {}),
        ("孩子发烧38.5 精神挺好 在玩", {}),  # age unknown: could be a young baby
        ("发烧38.5 精神还行 还能玩手机", {"age": 35}),  # adults are not this entry's
    ],
)
def test_young_hot_long_recurring_or_unknown_age_is_not_self_care(
    rules: TriageEngine, engine: TriageEngine, text: str, given: dict[str, object]
) -> None:
    assert _level(rules, text, **given) is not SELF_CARE
    assert _level(engine, text, **given) is not SELF_CARE


@pytest.mark.parametrize("text", ["宝宝两个月 发烧38.1 还会笑", "宝宝一个月经常吐奶 今天发烧38度"])
def test_a_baby_under_three_months_with_a_fever_is_still_an_emergency(engine: TriageEngine, text: str) -> None:
    assert _level(engine, text) is EMERGENCY


# -- any amber or red feature, a focal sign or a risk group: never home care -----------------------


@pytest.mark.parametrize(
    "text",
    [
        "孩子三岁 发烧38.5 身上起了红点 按了不褪 还在玩",  # non-blanching rash
        "孩子两岁 发烧38.5 呼吸很快 刚才还在玩",  # fast breathing
        "宝宝九个月 发烧38.5 喘气很急 鼻翼一扇一扇 还会笑",  # nasal flaring
        "孩子两岁 发烧38.5 刚才抽了一下 现在又在玩了",  # a fit
        "孩子六岁 发烧38.6 脖子硬 低头疼 精神还行",  # stiff neck
        "孩子两岁 发烧38.5 嘴唇很干 哭没眼泪 还在玩",  # dehydration
        "孩子两岁 发烧38.5 脸色发白 手脚冰凉 还在玩",  # pale, cold hands and feet
    ],
)
def test_a_red_feature_is_still_an_emergency(engine: TriageEngine, text: str) -> None:
    assert _level(engine, text) is EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "孩子两岁 发烧38.5 一直想睡 叫他半天才醒 之前还在玩",  # wakes only with prolonged stimulation
        "孩子两岁 发烧38.5 不肯喝水 尿布大半天没湿 精神还行",  # fewer wet nappies
        "孩子两岁 发烧38.5 发抖打寒战 精神还行",  # rigors
        "孩子两岁 发烧38.5 不爱动 不怎么玩",  # decreased activity
        "孩子四岁 发烧38.2 左腿膝盖肿了 不肯走路 精神还行",  # swollen joint, not bearing weight
        "孩子三岁 发烧38.5 一直揪耳朵 说耳朵疼 精神还行",  # ear pain with fever
        "孩子五岁 发烧38.4 尿尿的时候喊疼 精神还行",  # urinary pain with fever
        "孩子六岁 上周从非洲回来 发烧38.6 精神还行",  # fever after travel
        "孩子六岁 有镰状细胞贫血 发烧38.5 精神还行 在玩",  # sickle cell disease
        "孩子八岁 白血病化疗中 发烧38.3 精神还行",  # immunosuppressed
        "孩子三岁 先天性心脏病 发烧38.2 精神挺好 在玩",  # chronic condition
        "孩子两岁 发烧38.5 吐了两次 还在玩",  # vomiting with the fever
        "孩子两岁 发烧38.5 出了一身疹子 还在玩",  # a rash with the fever
        "孩子两岁 发烧38.5 吃得很少 精神还行",  # eating poorly
        "孩子两岁 发烧38.5 烧得很厉害 还在玩",
    ],
)
def test_an_amber_feature_focal_sign_or_risk_group_is_not_self_care(
    rules: TriageEngine, engine: TriageEngine, text: str
) -> None:
    assert _level(rules, text) is not SELF_CARE
    assert _level(engine, text) is not SELF_CARE


@pytest.mark.parametrize("text", ["孩子两岁 发烧38.5 不玩了 也不笑", "孩子两岁 发烧38.5 没在玩 一直躺着"])
def test_play_denied_is_no_green_feature(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is not SELF_CARE


# -- "宝宝一个月经常…": 月 followed by 经常 is a month, not a period ---------------------------------


@pytest.mark.parametrize("text", ["宝宝一个月经常打嗝 吃奶睡觉都好", "这个月经常头疼"])
def test_a_month_followed_by_often_is_no_period(engine: TriageEngine, text: str) -> None:
    matched = engine.matched_symptoms(engine.normalize(text))
    assert "menstrual" not in matched


def test_a_babys_month_age_is_read_before_often(engine: TriageEngine) -> None:
    result = engine.rules_only(TriageInput(text="宝宝两个月经常吐奶 今天发烧38度"))
    assert result.who.age is not None and result.who.age < 0.25
    assert result.who.sex is None


def test_a_period_said_often_is_still_a_period(engine: TriageEngine) -> None:
    assert "menstrual" in engine.matched_symptoms(engine.normalize("我月经常常推迟 一推就是十来天"))


# -- the data rules behind it ----------------------------------------------------------------------

_QUESTIONS = {
    "questions": [
        {
            "id": "q",
            "complaints": ["fever"],
            "text": "?",
            "source": "src",
            "options": [{"value": "a", "label": "a", "says": "a"}, {"value": "b", "label": "b", "says": "b"}],
        }
    ]
}


def _entry(entry_id: str, **more: object) -> dict[str, object]:
    return {
        "id": entry_id,
        "symptoms": ["fever"],
        "source": "src",
        "max_days": 3,
        "advice": "多喝水，多休息，注意观察。",
        "worsening": "如果加重请就医",
        **more,
    }


def _care(*entries: dict[str, object]) -> dict[str, object]:
    return {"reassuring": ["没事"], "worrying": ["加重"], "self_care": list(entries)}


def test_an_entry_with_needs_may_sit_beside_the_general_one_and_is_tried_first() -> None:
    from services.clinical.triage.interview import load_interview

    loaded = load_interview(_QUESTIONS, _care(_entry("general"), _entry("well", needs=["在玩"])), {"fever"})
    assert [e.id for e in loaded.entries_for("fever")] == ["well", "general"]
    assert loaded.self_care["fever"].id == "general"  # what the learned layer checks stays the general entry


def test_two_general_entries_for_one_complaint_are_still_rejected() -> None:
    from services.clinical.triage.errors import TriageDataError
    from services.clinical.triage.interview import load_interview

    with pytest.raises(TriageDataError):
        load_interview(_QUESTIONS, _care(_entry("one"), _entry("two")), {"fever"})


def test_only_urgent_modifiers_may_be_yielded(rules: TriageEngine) -> None:
    modifiers = {m.id: m for m in rules.knowledge.modifiers}
    for entry in rules.knowledge.interview.entries:
        for name in entry.yields:
            if name in modifiers:
                assert modifiers[name].min_level is TriageLevel.URGENT
