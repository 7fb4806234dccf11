"""The learned layer alone is talked out of 120 by clauses that only deny, never out of a real one.

Blind conversation set 18 (tuning material): a sprained ankle ("no crack heard, the bone not
tender, swelling round the outside") and a tension headache ("not sudden, came on slowly") were
sent to 120 by the learned layer alone ("综合判断"); the rules read both as routine. The layer now
also reads the text without its denying clauses (denied_clauses.py) and keeps the calmer reading
of an emergency call. Sources: NICE CKS "Sprains and strains" (swelling, no bony tenderness:
no emergency; Ottawa ankle rules for an X-ray); NICE CG150 (tension-type headache: bilateral,
pressing or tightening; a sudden "worst ever" onset is the red flag). A chest pressure with a cold
sweat (Chinese STEMI guideline 2019), a sudden slurred speech with a weak arm (中国急性缺血性脑卒中
诊治指南 2018) stay 120 with a denial beside them. Phrases are our own.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.denied_clauses import without_denied_clauses
from services.clinical.triage.learned import DENIED_SIGNS

BENIGN = [
    "没听见咔的一声 骨头按上去不怎么疼 外侧肿了一圈",
    "两边太阳穴发紧 不是突然的 是慢慢疼起来的",
    "不是突然的 慢慢疼起来的 两边太阳穴紧",
]

EMERGENCIES = [
    "不发烧 但是胸口压着疼 出冷汗",
    "没发烧 胸口像压了块石头 一身冷汗",
    "没吐 但是突然说话不清楚 一边手没劲",
    "不咳嗽 就是喘不上气 嘴唇发紫",
]


@pytest.mark.parametrize("text", BENIGN)
def test_denial_heavy_benign_message_is_no_120_from_the_learned_layer_alone(
    engine: TriageEngine, rules: TriageEngine, text: str
) -> None:
    assert rules.assess(TriageInput(text=text)).level is not TriageLevel.EMERGENCY
    assert engine.assess(TriageInput(text=text)).level is not TriageLevel.EMERGENCY


@pytest.mark.parametrize("text", EMERGENCIES)
def test_an_emergency_with_a_denial_beside_it_stays_120(engine: TriageEngine, text: str) -> None:
    assert engine.assess(TriageInput(text=text)).level is TriageLevel.EMERGENCY
    layer = engine.learned
    assert layer is not None
    seen = layer.predict(engine.normalize(text), None, None, None)
    assert seen.emergency >= layer.settings.emergency, "the layer's own reading must stay 120 too"


def test_only_clauses_that_only_deny_are_left_out(engine: TriageEngine) -> None:
    def plain(text: str) -> str:
        return without_denied_clauses(engine.normalize(text), DENIED_SIGNS)

    assert plain("没听到响声 骨头按着不怎么疼 外面一圈肿") == "外面一圈肿"
    assert plain("不发烧 但是胸口压着疼 出冷汗") == "但是胸口压着疼出冷汗"
    # An absence that is itself a finding, and a stopped breath, are kept.
    assert plain("不吃奶 没发烧") == "不吃奶"
    assert "不喘气" in plain("突然不喘气 没发烧")
    # Nothing denied: the text as it was.
    assert plain("胸口疼 出冷汗") == str(engine.normalize("胸口疼 出冷汗"))
