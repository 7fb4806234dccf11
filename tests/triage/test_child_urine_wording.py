""" "尿湿不少" is plenty of urine, not little (set 11's M26, a toddler's diarrhoea with wet nappies,
was sent to the clinic within 24 hours as dehydrated). WHO IMCI and NICE CG84 read scanty urine as
a sign of dehydration; a parent saying there is not little of it denies that sign. Saying little
urine in any order still counts. Our own wordings."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput

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
