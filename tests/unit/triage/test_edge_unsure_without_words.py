"""The learned layer alone, unsure, on a message with no complaint in it, raises no alarm at
the chat edge (services/clinical/triage/edge.py): blind set 4's mother asking about parking
mid-booking was told to call 120 (P(emergency) 0.38 over a 0.35 threshold), and her child's
booking was then refused. Where the layer is sure, or the message reads as a complaint,
or a rule fires, the edge still answers an emergency."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine
from services.clinical.triage.edge import emergency_hits


@pytest.mark.parametrize(
    "text",
    [
        "对了你们医院停车方便吗 我开车带他过去",  # set 4, F02, in the patient's words
        "好的 那继续。身份证是孩子的：[身份证号]",  # the next message, as Rasa sees it
        "顺便问一下你们那边地铁能到吗，我带孩子坐地铁过去",
        "行吧那就这个时间，我下班以后开车过去",
        # a booking of a named department with its reason (the layer alone below 0.8)
        "整个骨科的号 腰疼得够呛 明儿个上午的",  # set 4, F05
        "帮我爸挂个眼科，他看东西模糊，老花镜也不管用了",  # set 4, F06
        "想约个皮肤科的号，胳膊上起了一片红疙瘩挺痒的",
        # a phone, an ID number or a code is no clinical number (set 4, F02 and F08)
        "好的 那继续。身份证是孩子的：110101201903070012",
        "刚才手机号打错俩数 重新来 13900000412",
        "验证码是 482913 麻烦快点",
    ],
)
def test_unsure_wordless_messages_get_no_120(engine: TriageEngine, text: str) -> None:
    assert emergency_hits(engine, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "把吉他和游戏账号都送人了，跟大家说了再见",  # the layer alone, and sure (0.75)
        "我现在在楼顶，不想活了",  # a rule
        "孩子突然喘不上气，嘴唇发紫",  # a complaint
        "帮我挂个神经内科，我爸突然说话不清楚，半边身子没力气",  # a booking, but a rule fires
    ],
)
def test_emergencies_are_still_answered(engine: TriageEngine, text: str) -> None:
    assert emergency_hits(engine, text) != []
