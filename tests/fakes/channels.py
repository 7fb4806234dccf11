"""Shared pieces for the channel tests: a fake Rasa speaking its REST protocol, the
far side of the platforms' APIs, and running channel tasks inline."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask

from integrations.rasa.client import RasaRestClient
from services.task_queue import InMemoryTaskQueue
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

MENU = [
    {"title": "1 预约挂号", "payload": "/book_appointment"},
    {"title": "2 查检查化验结果", "payload": "/query_result"},
]


def rasa_reply(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        sent = request.json()
        return 200, [{"recipient_id": sent["sender"], "text": f"收到：{sent['message']}", "buttons": MENU}]
    return 200, {}


@contextmanager
def fake_rasa(app: Flask, delay: float = 0.0, timeout: float = 3.0) -> Iterator[FakeServer]:
    def handler(request: Recorded) -> tuple[int, object]:
        if delay and request.path.startswith("/webhooks"):
            time.sleep(delay)
        return rasa_reply(request)

    with fake_server(handler) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=timeout))
        yield server


def bot_turns(server: FakeServer) -> list[dict[str, object]]:
    return [r.json() for r in server.requests if r.path.startswith("/webhooks/rest/webhook")]


def run_tasks_inline(app: Flask) -> list[tuple[str, int]]:
    """Channel tasks run at once in this process (a real worker would take them from the broker)."""
    from tasks import channels as channel_tasks

    tasks = {
        "channels.deliver_wechat_answer": channel_tasks.deliver_wechat_answer,
        "channels.send_alipay_answer": channel_tasks.send_alipay_answer,
    }
    queued: list[tuple[str, int]] = []

    def run(name: str, args: tuple[object, ...]) -> None:
        reply_id = int(str(args[0]))
        queued.append((name, reply_id))
        with app.app_context():
            tasks[name].apply(args=[reply_id])

    use(app, tasks=InMemoryTaskQueue(run=run))
    return queued


def wait_for_turns(app: Flask, timeout: float = 10.0) -> None:
    app.extensions["channel_workers"].wait_idle(timeout)


def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
