"""bot/whole_turn_channel.py: a client that hangs up mid-turn no longer cancels the turn,
and a turn parses its message once and can answer with that parse.

A real Sanic server (the version Rasa pins) serves the channel's blueprint; the turn is
a coroutine that takes 0.6 s; the client sends the message and closes its socket after
0.1 s, as the app does past RASA_TIMEOUT_SECONDS. Rasa's own REST channel is the
control: the same hang-up cancels its turn half way. The single parse is counted in
Rasa's own MessageProcessor, its model's graph replaced by a counter."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message
from sanic import Sanic

from bot.whole_turn_channel import WholeTurnRestInput


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CountingNLU:
    """Stands in for the model's graph: every NLU parse Rasa makes passes here."""

    def __init__(self) -> None:
        self.parsed: list[str] = []

    def run(self, inputs: dict[str, Any], targets: list[str]) -> dict[str, Any]:
        text = inputs["__message__"][0].text
        self.parsed.append(text)
        message = Message.build(text=text)
        message.set(INTENT, {"name": "greet", "confidence": 0.9}, add_to_output=True)
        message.set("intent_ranking", [{"name": "greet", "confidence": 0.9}], add_to_output=True)
        return {targets[0]: [message]}


def rasa_processor(nlu: CountingNLU) -> MessageProcessor:
    """Rasa's own MessageProcessor, its model replaced by the counting graph (no training)."""
    domain = Domain.from_yaml("intents: [greet]\n")
    processor = MessageProcessor.__new__(MessageProcessor)
    processor.domain = domain
    processor.tracker_store = InMemoryTrackerStore(domain)
    processor.lock_store = InMemoryLockStore()
    processor.nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    processor.action_endpoint = None
    processor.http_interpreter = None
    processor.graph_runner = nlu
    processor.model_metadata = SimpleNamespace(nlu_target="nlu", model_id="m", assistant_id="a")
    processor.max_number_of_predictions = 10
    processor.on_circuit_break = None
    return processor


class LoggingAgent:
    """The part of Rasa's Agent the channel and the server use: its processor logs the
    message (session start, the NLU parse unless given, the user event) and a reply is sent."""

    def __init__(self, processor: MessageProcessor) -> None:
        self.processor = processor

    def is_ready(self) -> bool:
        return True

    async def parse_message(self, text: str) -> dict[str, Any]:
        return await self.processor.parse_message(UserMessage(text))

    async def handle_message(self, message: UserMessage) -> None:
        await self.processor.log_message(message)
        await message.output_channel.send_text_message(message.sender_id, "您好")


@dataclass
class Served:
    """What one server run (Sanic starts one app per process) saw."""

    done: dict[str, list[str]] = field(default_factory=dict)  # per hung-up channel, what its turn did
    answers: list[object] = field(default_factory=list)  # the JSON answers of the parsing turns
    parsed: list[list[str]] = field(default_factory=list)  # the NLU parses each of those turns made
    agent: LoggingAgent | None = None


async def hang_up(port: int, prefix: str) -> None:
    """Send one message and close the socket after 0.1 s, as the app does past its timeout."""
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = json.dumps({"sender": "c_1", "message": "我想挂号"}).encode()
    writer.write(
        f"POST /webhooks/{prefix}/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n".encode()
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.close()


@asynccontextmanager
async def serving(app: Sanic) -> AsyncIterator[int]:
    """The app served on a free local port for the block (Sanic serves one app per process)."""
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    try:
        yield port
    finally:
        server.close()
        await server.wait_closed()


async def serve_and_send(channels: dict[str, RestInput], paths: list[str]) -> Served:
    """Serve each hang-up channel under its own prefix, and our channel as Rasa registers
    it (`app.ctx.agent`, `/webhooks/rest`) over Rasa's own processor; hang up on each of
    the first, then post one message to each of `paths`."""
    served = Served(done={prefix: [] for prefix in channels})

    def turn_for(prefix: str) -> Callable[[UserMessage], Awaitable[None]]:
        async def turn(message: UserMessage) -> None:
            served.done[prefix].append(f"started {message.text}")
            await asyncio.sleep(0.6)
            served.done[prefix].append(f"finished {message.text}")
            await message.output_channel.send_text_message(message.sender_id, "好的")

        return turn

    nlu = CountingNLU()
    served.agent = agent = LoggingAgent(rasa_processor(nlu))
    app = Sanic(f"whole-turn-{uuid.uuid4().hex[:8]}")
    app.ctx.agent = agent
    for prefix, channel in channels.items():
        app.blueprint(channel.blueprint(turn_for(prefix)), url_prefix=f"/webhooks/{prefix}")
    app.blueprint(WholeTurnRestInput().blueprint(agent.handle_message), url_prefix="/webhooks/rest")
    async with serving(app) as port:
        for prefix in channels:
            await hang_up(port, prefix)
        await asyncio.sleep(1.0)
        async with aiohttp.ClientSession() as session:
            for n, path in enumerate(paths):
                nlu.parsed = []
                body = {"sender": f"c_{n}", "message": f" 你好{n} ", "metadata": {"channel": "web"}}
                async with session.post(f"http://127.0.0.1:{port}{path}", json=body) as response:
                    assert response.status == 200
                    served.answers.append(await response.json())
                served.parsed.append(nlu.parsed)
    return served


FLAGGED, PLAIN = "/webhooks/rest/webhook?parse_data=true", "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def served() -> Served:
    hung_up = type("HungUpWholeTurn", (WholeTurnRestInput,), {})()  # a blueprint name of its own on this app
    return asyncio.run(serve_and_send({"whole": hung_up, "rasa": RestInput()}, [FLAGGED, PLAIN]))


def test_a_turn_finishes_when_the_app_hangs_up(served: Served) -> None:
    assert served.done["whole"] == ["started 我想挂号", "finished 我想挂号"]


def test_control_rasas_own_channel_drops_the_turn_half_way(served: Served) -> None:
    assert served.done["rasa"] == ["started 我想挂号"], (
        "Rasa's REST channel no longer cancels: the shield may be redundant"
    )


@pytest.mark.parametrize("channel", [WholeTurnRestInput])
def test_the_channel_keeps_the_url_the_app_calls(channel: type[RestInput]) -> None:
    assert channel.name() == "rest"


# --- one NLU parse per turn, returned with the replies ----------------------------------


def test_the_turn_parses_once_and_answers_with_that_parse(served: Served) -> None:
    assert served.parsed[0] == ["你好0"], (
        "Rasa parsed the message again in the turn: the channel's parse_data was unused"
    )
    answer = served.answers[0]
    assert isinstance(answer, dict)
    assert answer["messages"] == [{"recipient_id": "c_0", "text": "您好"}]
    assert answer["parse_data"]["text"] == "你好0"  # as Rasa keeps it, stripped
    assert answer["parse_data"]["intent"] == {"name": "greet", "confidence": 0.9}
    assert served.agent is not None
    tracker = asyncio.run(served.agent.processor.tracker_store.retrieve("c_0"))
    assert tracker is not None and tracker.latest_message is not None
    assert tracker.latest_message.intent == answer["parse_data"]["intent"]  # the turn's own reading


def test_without_the_flag_it_answers_as_rasas_rest_channel(served: Served) -> None:
    assert served.answers[1] == [{"recipient_id": "c_1", "text": "您好"}]
    assert served.parsed[1] == ["你好1"]


def test_control_rasas_processor_parses_a_message_given_without_parse_data() -> None:
    """The counting graph sees Rasa's own parse: without the channel's parse_data the
    turn parses, so the single parse above is the channel's, used by the turn."""
    nlu = CountingNLU()
    processor = rasa_processor(nlu)
    asyncio.run(processor.log_message(UserMessage("你好", CollectingOutputChannel(), "c_1")))
    assert nlu.parsed == ["你好"]


# --- a hang-up during the channel's own parse -----------------------------------------


class SlowParsingAgent:
    """An agent whose NLU parse takes longer than the app waits (a loaded Rasa)."""

    def __init__(self) -> None:
        self.done: list[str] = []

    def is_ready(self) -> bool:
        return True

    async def parse_message(self, text: str) -> dict[str, Any]:
        await asyncio.sleep(0.5)
        return {"text": text, "intent": {"name": "greet", "confidence": 0.9}}

    async def handle_message(self, message: UserMessage) -> None:
        self.done.append(f"turn {message.text} parsed {bool(message.parse_data)}")


async def hang_up_during_the_parse() -> list[str]:
    agent = SlowParsingAgent()
    app = Sanic(f"slow-parse-{uuid.uuid4().hex[:8]}")
    app.ctx.agent = agent
    app.blueprint(WholeTurnRestInput().blueprint(agent.handle_message), url_prefix="/webhooks/rest")
    async with serving(app) as port:
        await hang_up(port, "rest")  # gone after 0.1 s, while the parse takes 0.5 s
        await asyncio.sleep(1.0)
    return agent.done


def run_hang_up_during_the_parse() -> list[str]:
    return asyncio.run(hang_up_during_the_parse())


def test_a_hang_up_during_the_parse_still_runs_the_turn() -> None:
    # Sanic serves one app per process (the module's fixture has had this one's).
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        done = pool.apply(run_hang_up_during_the_parse)
    assert done == ["turn 我想挂号 parsed True"], (
        "the message was dropped with the request: the parse is not shielded with the turn"
    )
