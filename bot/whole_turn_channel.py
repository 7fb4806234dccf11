"""Rasa's REST channel, but a turn that has started always finishes.

The app forwards every patient message to `POST /webhooks/rest/webhook` and waits
`RASA_TIMEOUT_SECONDS` for the answer; past that it gives the patient a kind apology
and lets the connection go. Rasa's server (Sanic 21.12) cancels the request's task
when its client goes away (`BaseProtocol.connection_lost`), and with it the turn in
the middle: the message never reaches the tracker, while the custom actions it had
already run (a hold placed, a code sent) stay done. Measured in the fleet benchmark
(docs/benchmarks.md): a turn answered with the apology was then missing from Rasa's
tracker.

Here the turn runs under `asyncio.shield`: the request may be cancelled, the turn is
not, so it completes and is recorded with everything it did, and the patient's next
message (which waits for the conversation's lock) continues from it. The channel keeps
the name `rest`, so the URL the app calls does not change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint


class WholeTurnRestInput(RestInput):
    """`rest` whose message handling survives the client hanging up."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def whole_turn(message: UserMessage) -> Any:
            return await asyncio.shield(on_new_message(message))

        return super().blueprint(whole_turn)
