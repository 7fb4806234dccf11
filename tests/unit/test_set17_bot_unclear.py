""" "機器人說不清楚 幫我轉人工" is a complaint about the chat, not slurred speech (set 17's N12).

A woman charged twice asked for a person in traditional characters and was told to call 120
for a stroke: the stroke rule's "说不清楚" fired on the robot's unclear answer. The rule now
passes over 说不清/说不出 whose subject is the robot, the service desk or "你"; a patient or
relative who speaks unclearly still fires it (FAST/BE-FAST; 中国急性缺血性脑卒中诊治指南 2018).
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine
from services.clinical.triage.edge import emergency_hits


@pytest.fixture(scope="module")
def engine() -> TriageEngine:
    return TriageEngine.from_directory(learned=True)


@pytest.mark.parametrize(
    "text",
    [
        "機器人說不清楚 幫我轉人工",
        "机器人说不清楚，我要人工",
        "客服说不清楚 找个真人",
        "你说不清楚就转人工吧",
        "机器说不清楚",
    ],
)
def test_the_chat_speaking_unclearly_is_no_stroke(engine: TriageEngine, text: str) -> None:
    assert [h.id for h in emergency_hits(engine, text)] == []


@pytest.mark.parametrize(
    "text",
    ["我爸突然说不清楚话了", "老伴说不清楚 一边手没劲", "我妈说不出话了", "他刚才突然说不清楚", "我爸說不清楚話了"],
)
def test_a_person_speaking_unclearly_still_is(engine: TriageEngine, text: str) -> None:
    assert "stroke_signs" in [h.id for h in emergency_hits(engine, text)]
