"""Graceful overload (issue 14): with every booking place in the gate taken, a booking
gets a quick 503 with Retry-After in Chinese, while chat turns and red-flag answers
keep answering from their own gates."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from integrations.rasa.client import RasaRestClient
from tests.conftest import AUTH
from tests.fakes.http_server import fake_server
from tests.integration.test_chat_edge import rasa_says_hello
from tests.wiring import use
from web.admission import Gate, Gates

CHEST_PAIN = "我胸口压着疼，喘不上气，出冷汗"


@pytest.fixture
def full_booking_gate(app: Flask) -> Iterator[Gates]:
    gates: Gates = app.extensions["admission"]
    for _ in range(gates.booking.limit):
        assert gates.booking.enter() is None
    yield gates
    for _ in range(gates.booking.limit):
        gates.booking.leave()


def test_bookings_are_shed_quickly_while_chat_and_red_flags_answer(
    app: Flask, client: FlaskClient, full_booking_gate: Gates
) -> None:
    started = time.perf_counter()
    shed = client.post("/api/v1/appointments", json={"patient_id": "p", "slot_id": "s"}, headers=AUTH)
    assert time.perf_counter() - started < 1.0
    assert shed.status_code == 503 and shed.headers["Retry-After"] == "2"
    assert shed.json["error"] == "busy" and "挂号的人很多" in shed.json["message"]
    with fake_server(rasa_says_hello) as rasa:
        use(app, dialogue=RasaRestClient(rasa.url, timeout=1.0))
        turn = client.post("/api/v1/chat", json={"sender": "p1", "message": "你好"})
        assert turn.status_code == 200 and turn.json["messages"][0]["text"] == "您好，我是导诊助手。"
        red_flag = client.post("/api/v1/chat", json={"sender": "p2", "message": CHEST_PAIN})
        assert red_flag.status_code == 200 and "120" in red_flag.get_data(as_text=True)
    assert full_booking_gate.booking.active == full_booking_gate.booking.limit  # nothing leaked
    assert full_booking_gate.chat.active == 0 and full_booking_gate.triage.active == 0


def test_a_full_chat_gate_says_how_many_are_ahead(app: Flask, client: FlaskClient) -> None:
    gates: Gates = app.extensions["admission"]
    gates.chat.wait_seconds = 0.05
    for _ in range(gates.chat.limit):
        gates.chat.enter()
    try:
        refused = client.post("/api/v1/chat", json={"sender": "p3", "message": "你好"})
    finally:
        for _ in range(gates.chat.limit):
            gates.chat.leave()
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert refused.json["message"].startswith("排队中，您前面还有1人")


def test_a_waiting_request_is_admitted_when_room_frees_within_its_wait() -> None:
    gate = Gate(limit=1, wait_seconds=2.0)
    assert gate.enter() is None
    threading.Timer(0.1, gate.leave).start()
    started = time.perf_counter()
    assert gate.enter() is None  # admitted, after about 0.1 s
    assert 0.05 < time.perf_counter() - started < 1.5
    assert Gate(limit=1, wait_seconds=0.0).enter() is None
    busy = Gate(limit=1, wait_seconds=0.01)
    busy.enter()
    assert busy.enter() == 1  # refused: one (itself) was waiting
