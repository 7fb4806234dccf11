"""A refill asked for a chronic illness is no emergency for the learned layer alone (issue 13).

Conversation set 13's W36: an asthmatic asking to renew the inhaler was told to call 120
at the chat edge, because the layer reads the 喘 inside 哮喘. data/triage/learned.yml's
``chronic_refill`` topic holds the layer at urgent when a refill names a chronic illness and
nothing acute is said (the illness's own name masked); an attack, a breathlessness of the
patient's own, chest pain or a failed reliever still reach 120 (GINA 2024, ch. 4). Phrases
are our own.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageLevel
from services.clinical.triage.edge import emergency_hits
from tests.triage.assessing import level_and_flags


@pytest.mark.parametrize(
    "text",
    [
        "我想续一下哮喘的喷剂",
        "帮我再开两盒哮喘的吸入剂",
        "哮喘的药快没了 想配点",
        "想续下高血压和糖尿病的药",
        "慢阻肺的吸入药 来续方",
    ],
)
def test_a_refill_naming_a_chronic_illness_is_not_sent_to_120(engine: TriageEngine, text: str) -> None:
    level, _ = level_and_flags(engine, text)
    assert level is not TriageLevel.EMERGENCY
    assert emergency_hits(engine, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "哮喘喷剂用了还是喘不上气 说不出话",
        "续药 但现在胸口剧痛",
        "哮喘的药用完了 喘得厉害 想续",
        "想续哮喘的药 孩子现在憋得脸发紫",
        "我想续高血压的药 刚才突然一边手脚没劲",
    ],
)
def test_an_emergency_beside_a_refill_still_goes_to_120(engine: TriageEngine, text: str) -> None:
    level, _ = level_and_flags(engine, text)
    assert level is TriageLevel.EMERGENCY
    assert emergency_hits(engine, text) != []


@pytest.mark.parametrize("text", ["哮喘犯了 喷剂不管用", "持续喘不过气 有哮喘"])
def test_an_attack_is_never_held_as_a_refill(engine: TriageEngine, text: str) -> None:
    level, _ = level_and_flags(engine, text)
    assert level is TriageLevel.EMERGENCY
