"""Set P's missed emergencies, read after its one sealed scoring (issue 10): each with its own test.

Set P (a fresh blind author's 550 vignettes, written after the fixes of sets N and O) was scored
once sealed (docs/triage-blind.md: level 0.871, 174/176 emergencies), then read because one of
its two missed emergencies was answered self-care:

* a stomach "not quite right" with sweating - an acute coronary syndrome told the way elders,
  women and diabetics often tell it (AHA/ACC 2021: epigastric discomfort and diaphoresis are
  ACS equivalents); exercise, heat, spicy food, a fever or gastroenteritis explain the sweat;
* a child's month of morning headaches and vomiting, now walking unsteadily and seeing double -
  headache with a new neurological deficit (NICE CG150, NG127).

Our own wording, on the rules alone (the chat edge's engine), with look-alikes.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel


def _level(engine: TriageEngine, text: str) -> TriageLevel:
    return engine.assess(TriageInput(text=text)).level


@pytest.mark.parametrize(
    "text",
    [
        "胃有點不舒服 出了一點汗 躺一下應該就好",
        "我妈说心口堵得慌 一直冒冷汗",
        "上腹部闷闷的 出了一身虚汗",
        "孩子头疼好几天 今天走路东倒西歪",
        "头痛得厉害 看东西重影",
        "脑壳痛 一边手脚没劲",
    ],
)
def test_set_p_emergencies_are_emergencies(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "胃有点不舒服 吃了辣的 出了一身汗",
        "跑完步 胃有点不舒服 出汗",
        "拉肚子 胃不舒服 出了点汗",
        "头疼 看书久了眼睛花",
    ],
)
def test_look_alikes_are_not_emergencies(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is not TriageLevel.EMERGENCY
