"""The far side of Rasa's REST API with a form open: the webhook echoes what the edge sent, and
the tracker says which form and which question are open. The chat edge's rewrites inside a form
(services/conversation/errand_days.py, booking_words.py) ask the tracker only that."""

from __future__ import annotations

from typing import Any

from tests.fakes.http_server import FakeServer, Handler, Recorded


def rasa_in_a_form(loop: str | None, requested_slot: str) -> Handler:
    """A handler for :func:`tests.fakes.http_server.fake_server`: ``loop`` open (None: no form)."""

    def reply(request: Recorded) -> tuple[int, Any]:
        if request.path.startswith("/webhooks/rest/webhook"):
            sent = request.json()
            return 200, [{"recipient_id": sent["sender"], "text": f"机器人收到：{sent['message']}"}]
        if "/tracker" in request.path:
            return 200, {"slots": {"requested_slot": requested_slot}, "active_loop": {"name": loop} if loop else {}}
        return 200, {}

    return reply


def sent_to_the_bot(server: FakeServer) -> list[str]:
    """The messages the edge passed to the bot, in order."""
    return [request.json()["message"] for request in server.requests if request.path.startswith("/webhooks")]
