"""After a birth: thoughts of harming the baby, a psychosis, a red wound and heavy lochia.

A helper's self-care round (issue 10) found three dangerous pictures the rules answered
routine - thoughts of strangling the baby on day five, lochia suddenly heavier with clots,
a red caesarean wound - each lifted only by the learned layer, which the chat edge's rules
alone never have. NICE CG192: thoughts of harming the baby and a suspected postpartum
psychosis need assessment within hours (emergency); RCOG Green-top 52: a secondary
postpartum haemorrhage and NICE NG194: a wound infection are seen the same day. Every case
is our own wording, asked of the rules alone, with look-alikes that must stay calm.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel


def _level(engine: TriageEngine, text: str) -> TriageLevel:
    return engine.assess(TriageInput(text=text)).level


@pytest.mark.parametrize(
    "text",
    [
        "生完宝宝第五天 老是控制不住有想掐死宝宝的念头",
        "我怕自己会伤害宝宝 这种念头老冒出来",
        "有时候真想把孩子从楼上扔下去",
        "脑子里总有闷死孩子的想法 好害怕",
        "生完孩子半个月 总觉得有人要害我的孩子 几天没睡了",
        "她说听见有人叫她把孩子扔了 生完才十天",
        "我老婆坐月子 这两天胡言乱语 说宝宝不是她的",
    ],
)
def test_harm_to_the_baby_or_a_postpartum_psychosis_is_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "产后一周 恶露突然变多 有血块",
        "剖腹产第5天 刀口有点红",
        "生完孩子十来天 恶露本来快没了 这两天又红了",
        "顺产第八天 今天掉出来一个血块",
    ],
)
def test_a_red_wound_or_returning_lochia_is_seen_today(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) in (TriageLevel.URGENT, TriageLevel.EMERGENCY)


@pytest.mark.parametrize(
    "text",
    [
        "孩子太吵了 气得我想揍他",
        "想把孩子的旧衣服扔了",
        "想给宝宝扔个玩具",
        "担心宝宝被人伤害",
        "生完孩子一个月 晚上要喂奶 几天没睡好 好累",
        "产后两周 恶露还有一点 颜色变淡了",
        "剖腹产后一周 刀口不红不肿 有点痒",
    ],
)
def test_look_alikes_are_not_emergencies(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is not TriageLevel.EMERGENCY
