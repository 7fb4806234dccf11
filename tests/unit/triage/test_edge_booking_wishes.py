"""Answers while choosing a place are not an emergency at the chat edge: blind set 3's
patient leaving the day to the bot (E11, "不知道，你看着办，最早的那个吧") got the 120 advice
from the learned layer alone, and the booking never reached a slot list.
data/triage/routing.yml's errand_words name them (最早, 随便, 你看着办, the titles); a
complaint, something sudden or a red flag beside them still gets 120, and so does a
bare "要挂号吗" after a poisoning (the learned layer alone sees it)."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine
from services.clinical.triage.edge import emergency_hits


@pytest.mark.parametrize(
    "text",
    [
        "不知道，你看着办，最早的那个吧",  # E11
        "你看着安排吧，哪天都行，我都有空的",
        "随便哪天都行，给我挂个最早的专家号就可以",
        "都是主治医师吗？我想给他找个主任医师",  # E13 at the list
    ],
)
def test_booking_wishes_get_no_120(engine: TriageEngine, text: str) -> None:
    assert emergency_hits(engine, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "帮我挂个最早的号，我爸突然说话都听不懂了，词都是乱的",  # something sudden
        "给我挂个主任医师的号，我胸口压着疼，一直出冷汗",  # a red-flag rule answers first
        "孩子拿着洁厕灵的瓶子喝了一口 嘴巴里面红了，要挂号吗",
    ],
)
def test_emergencies_beside_booking_wishes_still_get_120(engine: TriageEngine, text: str) -> None:
    assert emergency_hits(engine, text)
