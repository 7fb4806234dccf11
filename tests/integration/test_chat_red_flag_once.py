"""A web chat turn checks its message for red flags once (issue 14: the edge's CPU per
turn). The admission gate and both limits ask before the view runs; the turn reuses that
answer instead of working it out again, and still answers a red flag first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from integrations.rasa.client import RasaRestClient
from services.clinical.triage import edge
from services.conversation import turns
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use


def rasa_answers(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        return 200, [{"recipient_id": request.json()["sender"], "text": "您好，我是导诊助手。"}]
    return 200, {}


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa_answers) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        yield server


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each text went through the edge's red-flag check."""
    seen: Counter[str] = Counter()
    real = edge.emergency_hits

    def counted(engine, text):  # type: ignore[no-untyped-def]
        seen[text] += 1
        return real(engine, text)

    monkeypatch.setattr(edge, "emergency_hits", counted)
    monkeypatch.setattr(turns, "emergency_hits", counted)
    return seen


@pytest.mark.parametrize("message", ["你好", "头疼两天了", "医院几点开门"])
def test_an_ordinary_turn_checks_its_text_once(
    client: FlaskClient, rasa: FakeServer, checks: Counter[str], message: str
) -> None:
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": message})
    body = response.get_json()
    assert response.status_code == 200 and body is not None and body["messages"]
    assert checks[message] == 1


def test_a_red_flag_is_still_answered_first_and_checked_once(
    client: FlaskClient, rasa: FakeServer, checks: Counter[str]
) -> None:
    message = "我爸胸口压着疼，一直出冷汗"
    body = client.post("/api/v1/chat", json={"sender": "p1", "message": message}).get_json()
    assert body is not None
    [reply] = body["messages"]
    assert "120" in reply["text"] and "急诊" in reply["text"]
    assert not [r for r in rasa.requests if r.path.startswith("/webhooks")]
    assert checks[message] == 1


def test_other_channels_still_check_in_the_turn(app: Flask, rasa: FakeServer, checks: Counter[str]) -> None:
    from services.clinical.triage import default_engine
    from services.context import ServiceContext

    ctx: ServiceContext = app.extensions["hospital"]
    message = turns.InboundMessage(channel="sms", sender="13800138000", text="胸口压着疼，一直出冷汗")
    with app.app_context():
        [reply] = turns.handle_message(ctx, ctx.require_dialogue(), default_engine(), message)
    assert "120" in reply.text and checks[message.text] == 1
