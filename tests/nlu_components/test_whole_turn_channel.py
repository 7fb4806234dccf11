"""bot/whole_turn_channel.py: a client that hangs up mid-turn no longer cancels the turn.

A real Sanic server (the version Rasa pins) serves the channel's blueprint; the turn is
a coroutine that takes 0.6 s; the client sends the message and closes its socket after
0.1 s, as the app does past RASA_TIMEOUT_SECONDS. Rasa's own REST channel is the
control: the same hang-up cancels its turn half way."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Awaitable, Callable

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Sanic

from bot.whole_turn_channel import WholeTurnRestInput


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def hang_up_mid_turn(channels: dict[str, RestInput]) -> dict[str, list[str]]:
    """Serve each channel under its own prefix on one server (Sanic starts one app per
    process), send each one message, hang up after 0.1 s; what each turn got done."""
    done: dict[str, list[str]] = {prefix: [] for prefix in channels}

    def turn_for(prefix: str) -> Callable[[UserMessage], Awaitable[None]]:
        async def turn(message: UserMessage) -> None:
            done[prefix].append(f"started {message.text}")
            await asyncio.sleep(0.6)
            done[prefix].append(f"finished {message.text}")
            await message.output_channel.send_text_message(message.sender_id, "好的")

        return turn

    app = Sanic(f"whole-turn-{uuid.uuid4().hex[:8]}")
    for prefix, channel in channels.items():
        app.blueprint(channel.blueprint(turn_for(prefix)), url_prefix=f"/webhooks/{prefix}")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    try:
        for prefix in channels:
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
        await asyncio.sleep(1.0)
    finally:
        server.close()
        await server.wait_closed()
    return done


@pytest.fixture(scope="module")
def turns() -> dict[str, list[str]]:
    return asyncio.run(hang_up_mid_turn({"whole": WholeTurnRestInput(), "rasa": RestInput()}))


def test_a_turn_finishes_when_the_app_hangs_up(turns: dict[str, list[str]]) -> None:
    assert turns["whole"] == ["started 我想挂号", "finished 我想挂号"]


def test_control_rasas_own_channel_drops_the_turn_half_way(turns: dict[str, list[str]]) -> None:
    assert turns["rasa"] == ["started 我想挂号"], "Rasa's REST channel no longer cancels: the shield may be redundant"


@pytest.mark.parametrize("channel", [WholeTurnRestInput])
def test_the_channel_keeps_the_url_the_app_calls(channel: type[RestInput]) -> None:
    assert channel.name() == "rest"
