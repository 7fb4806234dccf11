"""The trained model behind our REST channel (bot/whole_turn_channel.py): a turn asked
with `?parse_data=true` answers its replies and the reading the turn itself used, which
is the model's reading of the text (as `/model/parse` gives it) and the one the tracker
keeps. (A message the fallback rewinds comes with its reading too, by construction: the channel
parses before the turn runs. This model reads every mumble tried as `out_of_scope` rather than
falling back, so no test here asks it; tests/nlu_components/test_whole_turn_channel.py checks
that the answer's reading is the channel's own parse.)
The chat edge keeps that reading for the review and the symptom check without asking
Rasa again (services/conversation/turns.py)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from integrations.rasa.client import RasaRestClient, parse_turn, understanding_from_parse
from tests.rasa.conftest import RasaStack

pytestmark = [pytest.mark.slow, pytest.mark.rasa]


def turn(rasa_stack: RasaStack, sender: str, text: str) -> dict[str, Any]:
    body = {"sender": sender, "message": text, "metadata": {"channel": "web"}}
    resp = requests.post(f"{rasa_stack.url}/webhooks/rest/webhook?parse_data=true", json=body, timeout=60)
    resp.raise_for_status()
    return dict(resp.json())


def latest_intent(rasa_stack: RasaStack, sender: str) -> object:
    resp = requests.get(f"{rasa_stack.url}/conversations/{sender}/tracker?include_events=NONE", timeout=30)
    resp.raise_for_status()
    return (resp.json().get("latest_message") or {}).get("intent")


@pytest.mark.parametrize("text", ["我想挂号", "医院几点开门", "你好"])
def test_the_reply_brings_the_turns_own_reading(rasa_stack: RasaStack, text: str) -> None:
    sender = f"reading-{abs(hash(text))}"
    answer = turn(rasa_stack, sender, text)
    assert answer["messages"], "the bot answered"
    assert answer["parse_data"]["text"] == text
    alone = rasa_stack.parse(text)["intent"]  # the model's reading of the text
    assert answer["parse_data"]["intent"]["name"] == alone["name"]
    assert answer["parse_data"]["intent"]["confidence"] == pytest.approx(alone["confidence"], abs=1e-4)
    assert answer["parse_data"]["intent"] == latest_intent(rasa_stack, sender)  # the one the turn used
    understanding = parse_turn(answer, text).understanding
    assert understanding is not None and understanding.intent.split("/")[0] == answer["parse_data"]["intent"]["name"]


def test_without_the_flag_the_answer_is_rasas_list(rasa_stack: RasaStack) -> None:
    assert isinstance(rasa_stack.say("reading-plain", "你好"), list)


def test_the_edges_client_gets_the_reading_in_one_request(rasa_stack: RasaStack) -> None:
    """RasaRestClient.send, as the chat edge calls it: the Turn's understanding is the one
    the model gives the text (behind the fallback, the intent it leaned towards)."""
    client = RasaRestClient(rasa_stack.url, timeout=60)
    for n, text in enumerate(["我想挂号", "医院几点开门", "嗯嗯啊啊那个那个"]):
        got = client.send(f"reading-client-{n}", text, {"channel": "web"})
        assert got.messages, "the bot answered"
        assert got.understanding is not None
        alone = understanding_from_parse(rasa_stack.parse(text), text)
        assert alone is not None and got.understanding.intent == alone.intent
        assert got.understanding.confidence == pytest.approx(alone.confidence, abs=1e-3)
