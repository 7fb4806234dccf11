"""Asked "用不用去医院" right after a triage answer: the answer is that advice, said again.

The patient who has just been told what to do often asks it once more in their own words
("用不用上医院啊 家里有蒙脱石散", "用不用去医院 能不能等下礼拜"). The response selector took these for
FAQ topics and answered with the hospital's address or the insurance rules (set 11's M03 and
M26, set 12's S27). A nurse answers the question asked: the advice just given, which already
weighed everything said (actions/triage.py re-assesses every detail added after it).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.triage import LEVEL_RESPONSES, follows_an_answer, said
from actions.triage_answers import asks_for_advice

LEAD = "按您前面说的情况，我的建议是："
# the domain's level wordings (bot/domain.yml utter_triage_*), for bot events without metadata
LEVEL_OPENINGS = ("⚠️", "建议您24小时内", "建议您到门诊", "目前看情况不太严重")


def is_level_message(event: Dict[str, Any]) -> bool:
    """A bot message that says a triage level."""
    if event.get("event") != "bot":
        return False
    action = str((event.get("metadata") or {}).get("utter_action") or "")
    return action in LEVEL_RESPONSES.values() or str(event.get("text") or "").startswith(LEVEL_OPENINGS)


def advice_again(tracker: Tracker) -> Optional[str]:
    """The latest level said, when the latest message asks what to do within a few messages of a
    triage answer (no journey between); None otherwise."""
    events: List[Dict[str, Any]] = list(tracker.events)
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users or not asks_for_advice(said(events[users[-1]]) or str(tracker.latest_message.get("text") or "")):
        return None
    if follows_an_answer(events, users[-1]) is None:
        return None
    latest = next((e for e in reversed(events[: users[-1]]) if is_level_message(e)), None)
    return str(latest.get("text") or "") if latest else None
