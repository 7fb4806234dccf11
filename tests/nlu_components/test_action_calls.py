"""bot/action_calls.py: Rasa's action calls on one kept-alive session per endpoint, their
replies checked by a validator built once - with Rasa's own answers.

A real aiohttp server stands in for the action server and counts the TCP connections it
accepts; Rasa's own `RemoteAction.run` calls it through the endpoint as bot/endpoints.yml
configures it (a header with the shared secret)."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import action_calls

GOOD = {
    "events": [
        {"event": "slot", "name": "requested_slot", "value": "date", "timestamp": None},
        {"event": "active_loop", "name": "booking_form"},
    ],
    "responses": [{"text": "请问您想约哪天？", "buttons": [{"title": "明天", "payload": "/inform"}]}],
}
BAD = [
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": [1, 2]},
    {"events": [{"name": "x"}]},
    {"events": [{"event": "slot", "name": 3}]},
]


def rasa_verdict(result: dict[str, Any]) -> str:
    """What Rasa 3.6's own check says (jsonschema.validate on every call)."""
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError as e:
        return f"{e.message} @ {list(e.absolute_path)}"
    return "ok"


def our_verdict(result: dict[str, Any]) -> str:
    try:
        assert action_calls.validate_action_result(RemoteAction("x", None), result) is True
    except jsonschema.ValidationError as e:
        return f"{e.message} @ {list(e.absolute_path)}"
    return "ok"


def test_the_reply_check_says_what_rasa_says() -> None:
    assert our_verdict(GOOD) == rasa_verdict(GOOD) == "ok"
    for bad in BAD:
        ours, rasas = our_verdict(copy.deepcopy(bad)), rasa_verdict(copy.deepcopy(bad))
        assert ours.startswith(rasas.split(" @ ")[0]), (bad, ours, rasas)
        assert "Failed to validate Action server response" in ours
        assert ours.split(" @ ")[1] == rasas.split(" @ ")[1]
    assert action_calls.response_validator() is action_calls.response_validator()


class FakeActionServer:
    def __init__(self) -> None:
        self.peers: set[Any] = set()
        self.requests: list[dict[str, Any]] = []

    @property
    def connections(self) -> int:
        """Connections accepted: each has its own client port."""
        return len(self.peers)

    async def webhook(self, request: web.Request) -> web.Response:
        assert request.transport is not None
        self.peers.add(request.transport.get_extra_info("peername"))
        body = await request.json()
        self.requests.append({"headers": dict(request.headers), "query": dict(request.query), "body": body})
        if body.get("next_action") == "action_refused":
            return web.json_response({"action_name": "action_refused", "error": "no"}, status=400)
        return web.json_response(GOOD)


@asynccontextmanager
async def action_server() -> AsyncIterator[tuple[FakeActionServer, str]]:
    fake = FakeActionServer()
    app = web.Application()
    app.router.add_post("/webhook", fake.webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield fake, f"http://127.0.0.1:{port}/webhook"
    finally:
        await runner.cleanup()


def tracker() -> DialogueStateTracker:
    return DialogueStateTracker.from_events("c_abc", [UserUttered("我想挂号", {"name": "book", "confidence": 0.9})])


async def run_action(endpoint: EndpointConfig, name: str) -> list[Any]:
    domain = Domain.from_dict({"slots": {}, "forms": {}})
    action = RemoteAction(name, endpoint)
    return await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker(), domain)


async def calls(n: int, installed: bool) -> tuple[FakeActionServer, list[list[Any]]]:
    saved = (RemoteAction._validate_action_result, EndpointConfig.request)
    if installed:
        RemoteAction._validate_action_result = action_calls.validate_action_result  # type: ignore[method-assign]
        EndpointConfig.request = action_calls.request  # type: ignore[method-assign]
    else:  # Rasa's own, even when the channel's import has installed ours
        RemoteAction._validate_action_result = action_calls.RASA_VALIDATE  # type: ignore[method-assign]
        EndpointConfig.request = action_calls.RASA_REQUEST  # type: ignore[method-assign]
    try:
        async with action_server() as (fake, url):
            endpoint = EndpointConfig(url, headers={"X-Action-Token": "secret"}, token="tok")
            results = [await run_action(endpoint, "validate_booking_form") for _ in range(n)]
            with pytest.raises(Exception) as refused:
                await run_action(endpoint, "action_refused")
            assert type(refused.value).__name__ == "ActionExecutionRejection"
            for session in endpoint.__dict__.get("_issue14_sessions", {}).values():
                await session.close()
            return fake, results
    finally:
        RemoteAction._validate_action_result, EndpointConfig.request = saved  # type: ignore[method-assign]


def test_action_calls_share_one_connection_and_answer_as_rasas_own() -> None:
    ours, our_events = asyncio.run(calls(5, installed=True))
    rasas, rasa_events = asyncio.run(calls(5, installed=False))
    assert rasas.connections == 6  # Rasa's own: a new session, so a new connection, per call
    assert ours.connections == 1  # one kept-alive connection for all six
    assert our_events == rasa_events
    assert our_events[0][0] == BotUttered("请问您想约哪天？", {"buttons": [{"title": "明天", "payload": "/inform"}]})
    assert our_events[0][1:] == [SlotSet("requested_slot", "date"), ActiveLoop("booking_form")]
    strip = {"Host", "Content-Length", "Date"}
    assert [
        ({k: v for k, v in r["headers"].items() if k not in strip}, r["query"], r["body"]["next_action"])
        for r in ours.requests
    ] == [
        ({k: v for k, v in r["headers"].items() if k not in strip}, r["query"], r["body"]["next_action"])
        for r in rasas.requests
    ]
    assert ours.requests[0]["headers"]["X-Action-Token"] == "secret" and ours.requests[0]["query"] == {"token": "tok"}


def test_a_session_per_event_loop() -> None:
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")

    async def open_session() -> None:
        session = action_calls.shared_session(endpoint)
        assert action_calls.shared_session(endpoint) is session
        await session.close()

    asyncio.run(open_session())
    asyncio.run(open_session())
    assert len(endpoint.__dict__["_issue14_sessions"]) == 1  # the closed loop's session was let go


def test_install_is_what_the_channel_does() -> None:
    import bot.whole_turn_channel  # noqa: F401  (installs on import)

    assert RemoteAction._validate_action_result is action_calls.validate_action_result
    assert EndpointConfig.request is action_calls.request
