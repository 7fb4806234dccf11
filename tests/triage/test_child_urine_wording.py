""" "尿湿不少" is plenty of urine, not little (set 11's M26, a toddler's diarrhoea with wet nappies,
was sent to the clinic within 24 hours as dehydrated). WHO IMCI and NICE CG84 read scanty urine as
a sign of dehydration; a parent saying there is not little of it denies that sign. Saying little
urine in any order still counts. Our own wordings."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel

NET = "child_dehydration"


def _nets(engine: TriageEngine, text: str, age: float) -> set[str]:
    return {r.rule for r in engine.assess(TriageInput(text=text, age=age)).reasons}


@pytest.mark.parametrize(
    "text",
    [
        "闺女三岁 拉肚子一天了 尿湿不少 能吃能玩",
        "儿子四岁 拉了几次稀的 尿也不少 精神挺好",
        "孩子两岁 昨天起拉水样便 尿布换了好几片 尿没少",
    ],
)
def test_plenty_of_urine_is_no_dehydration(rules: TriageEngine, text: str) -> None:
    assert NET not in _nets(rules, text, 3)


@pytest.mark.parametrize(
    "text",
    [
        "孩子三岁 拉肚子两天 尿也少了",
        "娃两岁 吐了好几次 尿比平时少",
        "宝宝一岁半 拉稀 尿不多",
        "儿子四岁 拉肚子 哭的时候没眼泪",
    ],
)
def test_little_urine_is_still_dehydration(rules: TriageEngine, text: str) -> None:
    assert NET in _nets(rules, text, 2)


@pytest.mark.parametrize(
    "text",
    [
        "闺女三岁 昨天开始拉肚子 拉了三四次稀的 不发烧 没吐 尿也不少 在屋里跑着玩",
        "儿子两岁半 今天拉稀拉了好几回 没发烧 尿湿不少 精神挺好",
    ],
)
def test_a_well_toddlers_diarrhoea_with_plenty_of_urine_is_home_care(rules: TriageEngine, text: str) -> None:
    """NICE CG84 and WHO: no red or amber sign, urine as usual - oral fluids at home."""
    assert rules.assess(TriageInput(text=text, age=2.5)).level is TriageLevel.SELF_CARE


def test_the_same_toddler_with_little_urine_is_seen_today(rules: TriageEngine) -> None:
    text = "儿子两岁半 今天拉稀拉了好几回 没发烧 尿少了 精神还行"
    assert rules.assess(TriageInput(text=text, age=2.5)).level is TriageLevel.URGENT
