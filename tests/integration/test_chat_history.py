"""Issue 13: the web page keeps the conversation across reloads (read back from the
server for the session) and says when a message is too long instead of cutting it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from integrations.rasa.client import RasaRestClient, parse_transcript
from services.conversation import pseudonyms, turns
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.web_chat import web_conversation
from tests.wiring import use

EVENTS = [
    {"event": "user", "text": "旧的会话"},
    {"event": "session_started"},
    {"event": "user", "text": "/greet"},
    {
        "event": "bot",
        "text": "您好！您想办哪件事？",
        "data": {"buttons": [{"title": "1 预约挂号", "payload": "/book_appointment"}]},
    },
    {"event": "user", "text": "我想挂号"},
    {"event": "slot", "name": "requested_slot", "value": "department"},
    {"event": "bot", "text": "您想挂哪个科？", "data": {}},
]


def rasa_reply(request: Recorded) -> tuple[int, object]:
    if request.method == "GET" and "/tracker" in request.path:
        return 200, {"sender_id": "x", "events": EVENTS}
    if request.path.startswith("/webhooks/rest/webhook"):
        return 200, [{"recipient_id": "x", "text": "您好"}]
    return 200, {}


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    with fake_server(rasa_reply) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=2.0))
        yield server


def test_a_reload_gets_this_sessions_conversation_back(app: Flask, client: FlaskClient, rasa: FakeServer) -> None:
    client.get("/")
    history = client.get("/api/v1/chat/history")
    assert history.status_code == 200
    lines = history.json["messages"]
    assert [(m["who"], m["text"]) for m in lines] == [
        ("bot", "您好！您想办哪件事？"),
        ("me", "我想挂号"),
        ("bot", "您想挂哪个科？"),
    ]
    assert lines[0]["buttons"] == [{"title": "1 预约挂号", "payload": "/book_appointment"}]
    asked = [r.path for r in rasa.requests if "/tracker" in r.path]
    # the session's own conversation, by the pseudonym Rasa knows it by
    conversation = pseudonyms.of(app.extensions["hospital"].cipher, web_conversation(app, client))
    assert asked and asked[0].startswith(f"/conversations/{conversation}/")


def test_without_the_dialogue_engine_the_page_starts_afresh(app: Flask, client: FlaskClient) -> None:
    use(app, dialogue=RasaRestClient("http://127.0.0.1:9", timeout=0.5))
    assert client.get("/api/v1/chat/history").json["messages"] == []


def test_a_message_too_long_is_refused_with_words_not_cut(client: FlaskClient, rasa: FakeServer) -> None:
    limit = turns.MAX_MESSAGE_CHARS
    response = client.post("/api/v1/chat", json={"message": "头晕" * limit})
    assert response.status_code == 422
    assert response.json["error"] == "too_long" and response.json["message"] == turns.replies()["too_long"]
    assert not [r for r in rasa.requests if r.path.startswith("/webhooks")]
    assert client.post("/api/v1/chat", json={"message": "头" * limit}).status_code == 200


def test_the_page_knows_the_limit_and_does_not_cut(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert f'data-max-chars="{turns.MAX_MESSAGE_CHARS}"' in page and "maxlength" not in page


def test_payload_lines_are_left_out_and_sessions_start_afresh() -> None:
    lines = parse_transcript({"events": EVENTS})
    assert [line.text for line in lines] == ["您好！您想办哪件事？", "我想挂号", "您想挂哪个科？"]
    assert parse_transcript({"events": EVENTS}, limit=1)[0].text == "您想挂哪个科？"
    assert parse_transcript(None) == []
