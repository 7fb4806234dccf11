"""The app recognises some of the bot's replies by their words; those words live in
bot/domain.yml, where the dialogue editors change them. These tests fail when the two
drift apart, instead of hand-off or the emergency reminder silently stopping.

- `FALLBACK_MARKER` (services/conversation/handoff.py): a reply starting with it is
  "the bot did not understand"; two in a row open a hand-off ticket.
- `GOODBYE` (services/conversation/emergency.py): a farewell the bot says during an
  emergency is replaced by the reminder, so every farewell in the domain must match.
- Every `utter_*` response the actions name must exist in the domain (Rasa would
  only say nothing at run time).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.conversation.emergency import GOODBYE
from services.conversation.handoff import FALLBACK_MARKER

ROOT = Path(__file__).resolve().parents[2]
NOT_RESPONSES = {"utter_action"}  # a key of Rasa's message metadata, not a response name


@pytest.fixture(scope="module")
def responses() -> dict[str, list[dict[str, Any]]]:
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    found: dict[str, list[dict[str, Any]]] = domain["responses"]
    return found


def _texts(variations: list[dict[str, Any]]) -> list[str]:
    return [str(v.get("text", "")) for v in variations]


def test_every_fallback_variation_starts_with_the_marker(responses: dict[str, list[dict[str, Any]]]) -> None:
    assert len(FALLBACK_MARKER) >= 4  # an empty or tiny marker would count every reply as a fallback
    texts = _texts(responses["utter_default"])
    assert texts
    assert all(text.startswith(FALLBACK_MARKER) for text in texts), texts


def test_no_other_response_starts_with_the_fallback_marker(responses: dict[str, list[dict[str, Any]]]) -> None:
    """A real answer that began with the marker would push the patient towards hand-off."""
    others = [
        name
        for name, variations in responses.items()
        if name != "utter_default" and any(text.startswith(FALLBACK_MARKER) for text in _texts(variations))
    ]
    assert others == []


def test_every_farewell_is_recognised_as_one(responses: dict[str, list[dict[str, Any]]]) -> None:
    farewells = _texts(responses["utter_goodbye"])
    assert farewells
    assert all(GOODBYE.search(text) for text in farewells), farewells


def test_the_fallback_is_not_taken_for_a_farewell(responses: dict[str, list[dict[str, Any]]]) -> None:
    assert not any(GOODBYE.search(text) for text in _texts(responses["utter_default"]))


def test_every_response_the_actions_name_is_in_the_domain(responses: dict[str, list[dict[str, Any]]]) -> None:
    named: dict[str, str] = {}
    for path in sorted((ROOT / "actions").glob("*.py")):
        for match in re.finditer(r"[\"'](utter_[A-Za-z0-9_/]+)[\"']", path.read_text(encoding="utf-8")):
            named.setdefault(match.group(1), path.name)
    named = {name: where for name, where in named.items() if name not in NOT_RESPONSES}
    assert len(named) > 20  # the scan found the actions' responses at all
    missing = {name: where for name, where in named.items() if name not in responses}
    assert missing == {}
