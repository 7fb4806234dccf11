"""Errands of conversation set 10 that the learned layer alone answered with 120 at the chat
edge: an 80-year-old who cannot work the chat asked for a person to talk to him or ring him
(L44), and a daughter renewing her father's inhaler said he "always uses the one you breathe
in" (L42). The 120 advice took the hand-off and the refill away (data/triage/routing.yml
errand_words). The first wording of each is the patient's; the others are ours. The same
words said beside an emergency keep the 120."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine
from services.clinical.triage.edge import emergency_hits
from services.clinical.triage.routing import reads_as_errand


@pytest.mark.parametrize(
    "text",
    [
        "你能不能叫个人跟我说话 打电话给我也行",  # L44
        "叫个人来跟我说说 我弄不明白",
        "能不能给我打个电话 我不会打字",
        "他有慢阻肺 一直用那个吸的 紫色的那个",  # L42
        "帮我妈开上次的药 她一直吃的那个白片子",
    ],
)
def test_errands_of_set_10_get_no_120(engine: TriageEngine, text: str) -> None:
    assert reads_as_errand(text)
    assert emergency_hits(engine, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "我不想活了 你叫个人跟我说话吧",
        "我爸突然倒地叫不醒 快打电话给我",
        "他一直吃的那个安眠药 刚才一整瓶都吞了",
        "我妈一直用那个吸的 现在喘得说不出话 嘴唇发紫",
    ],
)
def test_emergencies_said_with_those_words_still_get_120(engine: TriageEngine, text: str) -> None:
    assert emergency_hits(engine, text)
