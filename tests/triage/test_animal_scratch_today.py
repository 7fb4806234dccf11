"""A small cat or dog scratch or bite is seen today, not by 120 (conversation set 14's X06).

A scratch on the back of the hand by a stray cat, "a little blood", was told to call 120 at
the chat edge: the learned layer alone, near its threshold, read the story (with the consent
answer joined to it) as an emergency. A broken-skin scratch or bite is a rabies exposure that
needs same-day wound washing and vaccination at the rabies clinic (国家卫健委 狂犬病暴露预防处置
工作规范 2023; WHO rabies position paper 2018): urgent, 感染科 / 外科, never the emergency
department for a non-emergency level, and "打疫苗" there is no child's vaccine (儿科).
data/triage/learned.yml's ``minor_animal_scratch`` topic holds the layer at urgent; heavy
bleeding, a deep facial bite, breathing trouble, a bat, many wounds and signs of rabies
still reach 120. Phrases are our own.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.edge import emergency_hits


@pytest.mark.parametrize(
    "text",
    [
        "同意，刚刚让小区里的野猫挠了一下 手背上",
        "刚刚让小区里的野猫挠了一下 手背上，好的",
        "好的，刚被邻居家的狗咬到小腿 破了点皮",
        "上午被自家猫挠了胳膊 有两道血印",
        "被小区的流浪狗咬了手指 渗了点血 要打狂犬疫苗吗",
        "被猫抓了 打完疫苗能碰水吗 怕水进伤口",
    ],
)
def test_a_small_scratch_or_bite_is_seen_today_not_by_120(engine: TriageEngine, text: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level is TriageLevel.URGENT
    assert "emergency" not in result.departments
    assert "infectious" in result.departments[:2]
    assert emergency_hits(engine, text) == []


def test_the_rabies_vaccine_is_no_child_vaccine(engine: TriageEngine) -> None:
    text = "下楼被野猫挠了手背，冒了点血，自来水冲了一下，要不要打疫苗，之前没打过"
    result = engine.assess(TriageInput(text=text))
    assert result.level is TriageLevel.URGENT
    assert "pediatrics" not in result.departments


@pytest.mark.parametrize(
    "text",
    [
        "被狗咬了 血一直往外冒 按不住",
        "同意，狗把我儿子脸咬了个大口子 能看到肉",
        "被狗咬了胳膊以后喘不上气",
        "昨晚在阁楼被蝙蝠咬了一下手指",
        "被狗咬了好几处 腿上胳膊上都是口子",
        "上个月被狗咬过 现在怕水 看见水就抽",
        "被狗咬了两个月了 这两天特别怕风 喝水嗓子发紧",
    ],
)
def test_a_dangerous_bite_still_goes_to_120(engine: TriageEngine, text: str) -> None:
    assert engine.assess(TriageInput(text=text)).level is TriageLevel.EMERGENCY
    assert emergency_hits(engine, text) != []
