"""A phone, an ID number or a code typed at a triage question is no clinical word (conversation
set 8's J13, issue 13): the patient, who meant to cancel, typed the phone at "这样有多长时间了？"
and the code at the age question; their placeholders went into the assessed text and the
learned layer turned "我其实应该看过敏的" from self-care into an emergency."""

from __future__ import annotations

from typing import Any

import pytest

from actions.triage import triage_text
from tests.actions.helpers import make_tracker


def said(text: str, intent: str = "inform") -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": []}}


def started(text: str) -> list[dict[str, Any]]:
    return [said(text, "report_symptom"), {"event": "action", "name": "action_reset_journey"}]


@pytest.mark.parametrize(
    "typed",
    [
        ["[手机#139****0013#Qw3rTy7u]", "[验证码#Kk22Ll33]"],  # J13, as the edge hands them over
        ["13912345678", "482913"],
        ["手机号[手机#139****2468#Aa11Bb22]", "身份证[身份证#Zx8cVb2n]"],
        ["110101199003071234"],
    ],
)
def test_identity_answers_are_not_assessed(typed: list[str]) -> None:
    complaint = "就是后天的皮肤科 我其实应该看过敏的"
    events = [*started(complaint), *(said(t) for t in typed[:-1])]
    tracker = make_tracker(text=typed[-1], events=events)
    text = triage_text(tracker)
    assert "[" not in text and not any(ch.isdigit() for ch in text.replace("后天", ""))
    assert text.startswith(complaint)


def test_clinical_numbers_stay() -> None:
    """A temperature, a glucose, a pressure or a duration is kept: only six digits or more go."""
    events = [*started("发烧39.5度 血压160/100")]
    tracker = make_tracker(text="3天了 血糖12.8", events=events)
    assert triage_text(tracker) == "发烧39.5度 血压160/100；3天了 血糖12.8"
