"""integrations/rasa/client.py: the edge's Rasa calls on one pool of kept-alive connections
(urllib3, issue 14) send what they sent through `requests` and fail the same way."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from integrations.rasa.client import BotMessage, RasaRestClient, RasaUnavailable
from tests.fakes.http_server import Recorded, fake_server

ANSWER = {
    "messages": [{"recipient_id": "c_1", "text": "您好", "buttons": [{"title": "挂号", "payload": "/book"}]}],
    "parse_data": {"text": "我想挂号", "intent": {"name": "book_appointment", "confidence": 0.9}},
}


def test_a_turn_sends_the_message_token_and_flag_and_reads_the_answer() -> None:
    with fake_server(lambda r: (200, ANSWER)) as server:
        turn = RasaRestClient(server.url, timeout=1.0, token="secret").send("c_1", "我想挂号", {"channel": "web"})
    assert turn.messages == [BotMessage("您好", turn.messages[0].buttons)]
    assert turn.messages[0].buttons[0].payload == "/book"
    assert turn.understanding is not None and turn.understanding.intent == "book_appointment"
    [sent] = server.requests
    assert sent.method == "POST"
    assert sent.path == "/webhooks/rest/webhook?parse_data=true&token=secret"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json() == {"sender": "c_1", "message": "我想挂号", "metadata": {"channel": "web"}}


def test_reads_and_slot_writes_go_where_they_went() -> None:
    def rasa(request: Recorded) -> tuple[int, Any]:
        return 200, {"slots": {"requested_slot": "otp_code"}, "events": []}

    with fake_server(rasa) as server:
        client = RasaRestClient(server.url + "/", timeout=1.0, understanding_timeout=0.5)
        assert client.requested_slot("web:a b") == "otp_code"
        client.set_slot("web:a b", "emergency", True)
        assert client.transcript("web:a b") == []
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", "/conversations/web:a%20b/tracker?include_events=NONE"),
        ("POST", "/conversations/web:a%20b/tracker/events"),
        ("GET", "/conversations/web:a%20b/tracker?include_events=AFTER_RESTART"),
    ]
    assert server.requests[1].json() == {"event": "slot", "name": "emergency", "value": True}


@pytest.mark.parametrize("status, body", [(500, {"error": "x"}), (404, {}), (200, b"<html>not json</html>")])
def test_an_error_status_or_a_body_that_is_not_json_is_rasa_unavailable(status: int, body: Any) -> None:
    with fake_server(lambda r: (status, body)) as server, pytest.raises(RasaUnavailable):
        RasaRestClient(server.url, timeout=1.0).send("c_1", "你好", {})


def test_nobody_listening_and_a_slow_rasa_are_rasa_unavailable() -> None:
    with pytest.raises(RasaUnavailable):
        RasaRestClient("http://127.0.0.1:9", timeout=0.5).send("c_1", "你好", {})

    def slow(request: Recorded) -> tuple[int, Any]:
        time.sleep(1.0)
        return 200, ANSWER

    with fake_server(slow) as server:
        started = time.monotonic()
        with pytest.raises(RasaUnavailable):
            RasaRestClient(server.url, timeout=0.3).send("c_1", "你好", {})
        assert time.monotonic() - started < 0.9  # the read timeout, not the server's pace, and no retry
    assert len(server.requests) == 1  # never sent twice


@contextmanager
def keep_alive_server() -> Iterator[tuple[str, set[int]]]:
    """An HTTP/1.1 server that keeps connections open and notes each client port."""
    ports: set[int] = set()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            ports.add(self.client_address[1])
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps(ANSWER).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", ports
    finally:
        server.shutdown()
        server.server_close()


def test_turns_reuse_a_kept_alive_connection() -> None:
    with keep_alive_server() as (url, ports):
        client = RasaRestClient(url, timeout=1.0)
        for _ in range(5):
            client.send("c_1", "我想挂号", {})
    assert len(ports) == 1


def test_the_pool_holds_a_connection_per_edge_thread() -> None:
    with keep_alive_server() as (url, ports):
        client = RasaRestClient(url, timeout=2.0)
        threads = [
            threading.Thread(target=lambda: [client.send("c_1", "我想挂号", {}) for _ in range(3)]) for _ in range(20)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(ports) <= 20  # never more connections than threads: none discarded for want of room
