"""The intent and confidence of an answered message are read after the reply, off the
patient's turn (issue 14): a slow read never delays the answer, a full queue drops the
read (counted) and the message is kept without its intent, and only a complaint the
symptom check must route is read inside the turn."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from sqlalchemy import select

from integrations.rasa.client import DialogueEngine, RasaRestClient, Understanding
from models import ConversationMessage
from services.context import ServiceContext
from services.conversation import understanding_reads
from services.conversation.understanding_reads import BackgroundReader, PendingRead
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

READ_SECONDS = 2.0  # how long the fake Rasa takes to answer a tracker read


def slow_reads(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        sent = request.json()
        slow_reads.last[sent["sender"]] = sent["message"]  # type: ignore[attr-defined]
        return 200, [{"recipient_id": sent["sender"], "text": "好的"}]
    if request.method == "GET" and "/tracker" in request.path:
        time.sleep(READ_SECONDS)
        said = slow_reads.last.get(unquote(request.path.split("/")[2]), "")  # type: ignore[attr-defined]
        intent = "faq" if "发烧" in said else "book_appointment"
        return 200, {"latest_message": {"text": said, "intent": {"name": intent, "confidence": 0.9}}}
    return 200, {}


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    assert understanding_reads.wait_idle()
    slow_reads.last = {}  # type: ignore[attr-defined]
    with fake_server(slow_reads) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=5.0, understanding_timeout=4.0))
        yield server
        assert understanding_reads.wait_idle(10)


def kept(ctx: ServiceContext) -> list[tuple[str, str | None]]:
    with ctx.db.reading() as session:
        rows = session.execute(
            select(ConversationMessage.status, ConversationMessage.intent).order_by(ConversationMessage.id)
        ).all()
        return [(row[0], row[1]) for row in rows]


def test_the_reply_does_not_wait_for_the_intent_read(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    client.post("/api/v1/chat", json={"sender": "p0", "message": "你好"})  # first use: rules, session
    started = time.monotonic()
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": "我想挂号"})
    assert response.status_code == 200 and response.json["messages"][0]["text"] == "好的"
    assert time.monotonic() - started < READ_SECONDS  # the read takes longer than the whole turn did
    assert understanding_reads.wait_idle(10)
    assert kept(ctx) == [("answered", "book_appointment"), ("answered", "book_appointment")]  # the review gets it


def test_a_complaint_is_read_inside_the_turn_for_the_symptom_check(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    started = time.monotonic()
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": "孩子发烧39度，要不要去医院"})
    assert response.status_code == 200
    assert time.monotonic() - started >= READ_SECONDS  # the symptom check needed the intent (faq: rerouted)
    sent = [r.json()["message"] for r in rasa.requests if r.path.startswith("/webhooks")]
    assert sent[-1].startswith("/report_symptom")
    assert kept(ctx) == [("answered", "faq")]


class BlockedEngine(DialogueEngine):
    """Answers nothing until released: a Rasa far behind."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def send(self, sender: str, text: str, metadata: dict[str, object]) -> list:  # type: ignore[override, type-arg]
        return []

    def set_slot(self, sender: str, name: str, value: object) -> None:
        return None

    def understood(self, sender: str, text: str) -> Understanding | None:
        self.release.wait(5)
        return Understanding("greet", 0.5)


def test_a_full_queue_drops_the_read_and_counts_it(ctx: ServiceContext) -> None:
    def dropped() -> float:
        return REGISTRY.get_sample_value("hospital_nlu_reads_dropped_total", {"channel": "web"}) or 0.0

    before = dropped()
    engine = BlockedEngine()
    reader = BackgroundReader(size=1)
    read = PendingRead(ctx, engine, row_id=1, conversation_id="web:x", text="你好", channel="web")
    assert reader.submit(read)  # taken by the thread, which now waits on Rasa
    deadline = time.monotonic() + 5
    while reader._queue.qsize() and time.monotonic() < deadline:  # the thread holds it
        time.sleep(0.01)
    assert reader.submit(read)  # waits in the queue (size 1)
    assert not reader.submit(read)  # no room: dropped, never blocking the turn
    assert dropped() == before + 1
    assert not reader.wait_idle(0.1)
    engine.release.set()
    assert reader.wait_idle(5)
