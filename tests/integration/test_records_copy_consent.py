"""A copy of one's records asked for in the first message, before the consent question (set
14's X50, tuning material): after "同意" the held message reaches the bot as the FAQ with the
words as typed, so the records answer comes whatever the NLU reads. Through POST /api/v1/chat
and the fake Rasa of tests/integration/test_consent_replay.py; our own wording."""

from __future__ import annotations

from flask.testing import FlaskClient

from services.conversation import consent
from services.conversation.records_copy import FAQ_TRIGGER
from tests.fakes.http_server import FakeServer
from tests.integration.test_consent_replay import GO_ON, app, chat, rasa  # noqa: F401 (fixtures)


def test_the_held_copy_request_reaches_the_faq_after_agreeing(client: FlaskClient, rasa: FakeServer) -> None:  # noqa: F811
    assert chat(client, "我想复印住院病历") == [consent.wording()["ask"]]
    assert chat(client, "同意") == [GO_ON, f"机器人收到：{FAQ_TRIGGER}"]
    webhook = [r.json() for r in rasa.requests if r.path.startswith("/webhooks")]
    assert [(w["message"], w["metadata"]["typed"]) for w in webhook] == [(FAQ_TRIGGER, "我想复印住院病历")]
