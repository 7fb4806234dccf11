"""Negation said in dialect or traditional characters is read as "no", and findings are not.

"勿/呒没" (Shanghainese), "唔/冇/未有" (Cantonese), "没得/莫得" (southwest), "沒有/無"
(traditional, Minnan) deny a finding like "没有"; "嘴唇眼睛都不肿" denies each body part
listed.  "不能动", "冇知觉", "冇反应" are findings: reading them as denials would hide an
emergency, so they are tested alongside.  Sentences are our own, not blind vignettes.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel, TriageResult
from services.clinical.triage.negation import is_negated


def assess(engine: TriageEngine, text: str, **kwargs: object) -> TriageResult:
    return engine.assess(TriageInput.model_validate({"text": text, **kwargs}))


def negated(engine: TriageEngine, text: str, term: str) -> bool:
    """Whether ``term`` is read as denied in ``text`` after normalisation."""
    normalized = engine.normalize(text)
    start = normalized.index(term)
    return is_negated(normalized, start, start + len(term), history=False)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("咳嗽三天，勿发烧", "发烧"),  # Shanghainese
        ("跌了一跤，呒没撞到头", "撞"),
        ("呒啥胸痛", "胸痛"),
        ("喉咙痛，唔发烧", "发烧"),  # Cantonese
        ("肚痛，冇呕", "呕"),
        ("佢未有发烧", "发烧"),
        ("唔係发烧，系咳", "发烧"),
        ("咳嗽，没得发烧", "发烧"),  # southwest
        ("莫得胸痛", "胸痛"),
        ("莫有呕吐", "呕吐"),
        ("没咋发烧", "发烧"),  # northeast
        ("没啥胸痛", "胸痛"),
        ("頭痛，無發燒", "发烧"),  # traditional / Minnan
        ("沒有胸痛", "胸痛"),
        ("毋呕", "呕"),
        ("腹痛袂吐", "吐"),
        ("并没有发烧", "发烧"),
        ("不烧也不吐", "吐"),
        ("嘴唇眼睛都不肿", "眼睛"),
        ("嘴唇眼睛都不肿", "嘴唇"),
        ("摔了以后手脚都不麻", "手脚都不麻"),
        ("没有跌跤撞过", "撞"),
    ],
)
def test_dialect_denials_are_read_as_no(engine: TriageEngine, text: str, term: str) -> None:
    assert negated(engine, text, term)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("手脚勿能动", "不能动"),
        ("手唔郁得", "动不了"),
        ("半边身冇知觉", "没知觉"),
        ("阿婆叫佢冇反应", "没反应"),
        ("说不出话", "说不出话"),
        ("喘不上气", "喘不上气"),
        ("站不稳", "站不稳"),
        ("叫不醒", "叫不醒"),
        ("血止不住", "止不住"),
        ("眼睛肿得睁不开", "眼睛"),
        ("眼睛都不肿吗", "眼睛"),
        ("呼吸不畅", "呼吸不畅"),
        ("胸口疼腿都不肿", "胸口疼"),
    ],
)
def test_findings_that_contain_a_negation_word_are_not_denials(engine: TriageEngine, text: str, term: str) -> None:
    assert not negated(engine, text, term)


@pytest.mark.parametrize(
    "text",
    [
        "头晕，手脚勿麻，也呒没跌跤撞过",
        "腰酸，冇跌倒撞过，腿唔麻",
        "咳嗽两日，唔发烧，冇胸痛",
        "喉咙痛，没得发烧，莫得胸痛",
        "頭痛，無發燒，沒有嘔吐",
    ],
)
def test_denied_findings_in_dialect_raise_no_red_flag(engine: TriageEngine, text: str) -> None:
    assert engine.red_flags(text) == []
    assert assess(engine, text, age=40).level is not TriageLevel.EMERGENCY


def test_denied_body_parts_route_no_department(engine: TriageEngine) -> None:
    result = assess(engine, "脸上起了红疹子，嘴唇眼睛都不肿", age=30)
    assert "ophthalmology" not in result.departments
    assert "ophthalmology" in assess(engine, "眼睛又红又肿", age=30).departments


@pytest.mark.parametrize(
    "text",
    [
        "阿爷叫佢冇反应",
        "从楼梯摔落来，手脚勿能动",
        "车祸之后双腿冇知觉",
        "摔了一跤，腿麻",
        "阿婆突然说不出话",
    ],
)
def test_dialect_findings_still_raise_red_flags(engine: TriageEngine, text: str) -> None:
    assert engine.red_flags(text)
    assert assess(engine, text, age=70).level is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "右边蛋蛋这几天慢慢肿起来了，有点痛，不是一下子痛的",
        "后腰突然一阵一阵地绞痛，以前没得过结石",
    ],
)
def test_a_denied_word_leaves_the_complaint_urgent(rules: TriageEngine, text: str) -> None:
    """Denying "突然" or a past stone must not leave a scrotal or loin-colic pain routine."""
    assert assess(rules, text, age=35).level is TriageLevel.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "阿公早上起来讲话讲袂清楚，正手无力",  # Minnan: 讲袂清楚 = slurred, 正手 = the right hand
        "阮阿嬷今仔日讲话袂清楚",
        "阿伯倒手突然无力，拿不住碗",  # 倒手 = the left hand
        "我老爸倒爿身躯麻麻的",  # 倒爿 = the left side
    ],
)
def test_minnan_stroke_words_raise_the_stroke_flag_on_the_rules_alone(rules: TriageEngine, text: str) -> None:
    """The character 袂 before 清楚 is "cannot (speak) clearly", not "will not": read as 不会 it hid a stroke
    from the rules (set F's F237 was caught by the learned layer alone)."""
    assert any(flag.id == "stroke_signs" for flag in rules.red_flags(text)), rules.normalize(text)
    assert assess(rules, text, age=72).level is TriageLevel.EMERGENCY


def test_minnan_sides_are_not_a_stroke_by_themselves(rules: TriageEngine) -> None:
    assert assess(rules, "正手手腕扭到了，有点肿", age=30).level is not TriageLevel.EMERGENCY
