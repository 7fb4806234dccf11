"""An errand about an appointment already made is not an emergency at the chat edge
(services/clinical/triage/edge.py): blind set 3's son cancelling his mother's visit (E34)
and husband asking his pregnant wife's appointment (E41) got the 120 advice from the
learned layer alone, and their journeys never started. Emergencies stay emergencies,
errand words or not."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine
from services.clinical.triage.edge import emergency_hits
from services.clinical.triage.routing import reads_as_errand


@pytest.mark.parametrize(
    "text",
    [
        "帮我妈把明天的号退了，她去不了了",  # E34, in the patient's words
        "帮我查一下我老婆上周约的那个产检的号是哪天几点的她手机号是13900000041",  # E41
        "验证码是123456她刚念给我的",
        "帮我爸把后天的号取消了，他来不了了",
        "我要取消预约 临时要出差去不了了",
        "我婆婆下礼拜约的那个号想改期，她那天回老家",
        "你们这个系统怎么回事，我挂号付了钱显示没成功，钱还扣了两次",
    ],
)
def test_errands_about_an_appointment_get_no_120(engine: TriageEngine, text: str) -> None:
    assert reads_as_errand(text)
    assert emergency_hits(engine, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "孩子拿着洁厕灵的瓶子喝了一口 嘴巴里面红了，要挂号吗",  # booking a new visit: the layer judges
        "女儿刚发朋友圈说再见了这个世界，现在手机号打不通",
        "帮我挂个号，我爸突然说话都听不懂了，词都是乱的",
        "帮我查一下我妈的预约，她刚才突然说话都听不懂了，词都是乱的",  # something sudden
        "我要取消明天的号，我爸胸口压着疼，一直出冷汗",  # a red-flag rule answers first
        "帮我妈把号退了，她吃了一整瓶安眠药",
    ],
)
def test_emergencies_with_errand_words_still_get_120(engine: TriageEngine, text: str) -> None:
    assert emergency_hits(engine, text)
