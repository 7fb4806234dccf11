"""The Rasa server, as the channels see it: a text in, a list of replies out.

Rasa's own REST webhook is reached on the internal network only; every public
channel goes through the Flask app, which verifies and normalises first.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons]}


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


class DialogueEngine(ABC):
    @abstractmethod
    def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[BotMessage]:
        """Hand one patient message to the dialogue engine; return its replies."""

    @abstractmethod
    def set_slot(self, sender: str, name: str, value: object) -> None:
        """Record a fact in the conversation (e.g. an emergency found at the edge)."""


def parse_rest_replies(payload: object) -> list[BotMessage]:
    """Rasa's REST channel answers `[{"recipient_id", "text", "buttons"?}, …]`."""
    if not isinstance(payload, list):
        raise RasaUnavailable("unexpected reply shape")
    messages = []
    for item in payload:
        if not isinstance(item, dict):
            continue
        buttons = tuple(
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in item.get("buttons") or []
            if isinstance(b, dict)
        )
        text = item.get("text") or ""
        if text or buttons:
            messages.append(BotMessage(str(text), buttons))
    return messages


class RasaRestClient(DialogueEngine):
    def __init__(self, base_url: str, timeout: float = 8.0, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token
        self._session = requests.Session()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        params = {"token": self.token} if self.token else None
        try:
            response = self._session.request(
                method, self.base_url + path, timeout=self.timeout, params=params, **kwargs
            )
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(f"{method} {path}: {type(exc).__name__}") from exc

    def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[BotMessage]:
        payload = {"sender": sender, "message": text, "metadata": metadata}
        return parse_rest_replies(self._request("POST", "/webhooks/rest/webhook", json=payload))

    def set_slot(self, sender: str, name: str, value: object) -> None:
        event = {"event": "slot", "name": name, "value": value}
        self._request("POST", f"/conversations/{quote(sender, safe='')}/tracker/events", json=event)
