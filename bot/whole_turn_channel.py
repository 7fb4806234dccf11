"""Rasa's REST channel, but a turn that has started always finishes, and the turn's own
NLU reading can come back with the reply.

The app forwards every patient message to `POST /webhooks/rest/webhook` and waits
`RASA_TIMEOUT_SECONDS` for the answer; past that it gives the patient a kind apology
and lets the connection go. Rasa's server (Sanic 21.12) cancels the request's task
when its client goes away (`BaseProtocol.connection_lost`), and with it the turn in
the middle: the message never reaches the tracker, while the custom actions it had
already run (a hold placed, a code sent) stay done. Measured in the fleet benchmark
(docs/benchmarks.md): a turn answered with the apology was then missing from Rasa's
tracker. Here the turn runs under `asyncio.shield`: the request may be cancelled, the
turn is not, so it completes and is recorded with everything it did, and the patient's
next message (which waits for the conversation's lock) continues from it.

The app keeps each message's intent and confidence for the conversation review and
routes a misread complaint to triage (services/conversation/turns.py). Reading them
back after the turn cost Rasa a second request per turn: a tracker read, or a second
NLU parse of the same text (`/model/parse`, about 15 ms of Rasa's CPU) when the
fallback had rewound the message (issue 14). So the channel parses the message itself,
once, and hands the result to the turn in `UserMessage.parse_data`, which Rasa's
processor then uses instead of parsing again (`_handle_message_with_tracker`); with
`?parse_data=true` the answer is `{"messages": [...], "parse_data": {...}}` instead of
Rasa's bare list. The NLU pipeline reads no tracker (bot/config.yml), so the parse is
the one the turn would have made. The channel keeps the name `rest`, so the URL the
app calls does not change, and without the flag it answers as Rasa's own does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot import action_calls

structlogger = structlog.get_logger()
# Rasa's action calls on kept-alive connections, their replies checked by one validator (bot/action_calls.py).
action_calls.install()


async def parse_once(request: Request, text: str | None) -> dict[str, Any] | None:
    """The message's NLU reading, made here so that the turn does not make it again.
    None when there is nothing to parse or no model loaded yet (the turn then does as
    Rasa's own channel does)."""
    agent = getattr(request.app.ctx, "agent", None)
    if not text or agent is None or not agent.is_ready():
        return None
    parsed: dict[str, Any] = await agent.parse_message(text)
    return parsed


class WholeTurnRestInput(RestInput):
    """`rest` whose message handling survives the client hanging up, parsing each message once."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def whole_turn(message: UserMessage) -> Any:
            return await asyncio.shield(on_new_message(message))

        rest = Blueprint(f"custom_webhook_{type(self).__name__}")

        @rest.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            input_channel = self._extract_input_channel(request)
            metadata = self.get_metadata(request)
            if bool_arg(request, "stream", default=False):
                stream = self.stream_response(whole_turn, text, sender_id, input_channel, metadata)
                return response.stream(stream, content_type="text/event-stream")
            collector = CollectingOutputChannel()
            reading: dict[str, Any] = {}

            async def parse_then_turn() -> None:
                # Shielded together: a client hanging up during the parse must not leave
                # the message unhandled either.
                reading["parse_data"] = await parse_once(request, text)
                message = UserMessage(
                    text, collector, sender_id, reading["parse_data"], input_channel=input_channel, metadata=metadata
                )
                await on_new_message(message)

            try:
                await asyncio.shield(parse_then_turn())
            except asyncio.CancelledError:  # the client hung up; the shielded turn goes on
                structlogger.error("rest.message.received.timeout")
            except Exception:  # as Rasa's own channel: logged, and the replies so far are sent
                structlogger.exception("rest.message.received.failure")
            if bool_arg(request, "parse_data", default=False):
                return response.json({"messages": collector.messages, "parse_data": reading.get("parse_data")})
            return response.json(collector.messages)

        return rest
