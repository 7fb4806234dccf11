"""The Rasa server, as the channels see it: a text in, a list of replies out.

Rasa's own REST webhook is reached on the internal network only; every public
channel goes through the Flask app, which verifies and normalises first.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import urllib3

from integrations.rasa.errors import RasaUnavailable
from shared_rules import placeholder_shown


@dataclass(frozen=True)
class Button:
    """A choice the patient sends back (`payload`), or a link they open (`url`, e.g. 去支付)."""

    title: str
    payload: str = ""
    url: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "url": self.url} if self.url else {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class BotMessage:
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": [b.as_dict() for b in self.buttons]}


@dataclass(frozen=True)
class Understanding:
    """What the NLU made of one message: its best real intent and how sure it was.

    When Rasa's FallbackClassifier fires, the intent is `nlu_fallback` with the
    threshold as its "confidence"; what staff need to see is the intent the model
    leaned towards and its own score, so that comes from the ranking instead."""

    intent: str
    confidence: float


@dataclass(frozen=True)
class Turn:
    """What one patient message got from the dialogue engine: its replies and, when the
    engine sends it with them, how its NLU understood the message (one parse per turn)."""

    messages: list[BotMessage]
    understanding: Understanding | None = None


FALLBACK_INTENT = "nlu_fallback"
SESSION_MARKERS = ("session_started", "restart")


@dataclass(frozen=True)
class TranscriptLine:
    """One line of a conversation as the patient saw it: theirs ("me") or the bot's."""

    who: str  # me | bot
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {"who": self.who, "text": self.text, "buttons": [b.as_dict() for b in self.buttons]}


class DialogueEngine(ABC):
    @abstractmethod
    def send(self, sender: str, text: str, metadata: dict[str, Any]) -> Turn:
        """Hand one patient message to the dialogue engine; return its replies and, if it
        tells, how it understood the message."""

    @abstractmethod
    def set_slot(self, sender: str, name: str, value: object) -> None:
        """Record a fact in the conversation (e.g. an emergency found at the edge)."""

    def requested_slot(self, sender: str) -> str | None:
        """The slot the conversation's open form asks for (`otp_code` …), if any; the edge
        asks before a message that may hold a one-time code. Raises RasaUnavailable."""
        return None

    def active_loop(self, sender: str) -> str | None:
        """The form the conversation is in (`cancel_form` …), if any; the edge asks before a
        message that takes back a day inside an errand. Raises RasaUnavailable."""
        return None

    def transcript(self, sender: str, limit: int = 60) -> list[TranscriptLine]:
        """The current session's lines, oldest first (the web page shows them again
        after a reload). Engines that keep no such record answer an empty list."""
        return []


def parse_rest_replies(payload: object) -> list[BotMessage]:
    """Rasa's REST channel answers `[{"recipient_id", "text", "buttons"?}, …]`."""
    if not isinstance(payload, list):
        raise RasaUnavailable("unexpected reply shape")
    messages = []
    for item in payload:
        if not isinstance(item, dict):
            continue
        buttons = tuple(_button(b) for b in item.get("buttons") or [] if isinstance(b, dict))
        text = item.get("text") or ""
        if text or buttons:
            messages.append(BotMessage(str(text), buttons))
    return messages


def parse_turn(payload: object, text: str) -> Turn:
    """The webhook's answer with `?parse_data=true` (bot/whole_turn_channel.py):
    `{"messages": [...], "parse_data": {...}}`. Rasa's bare list (a REST channel without
    our class) is a turn whose understanding is unknown."""
    if isinstance(payload, list):
        return Turn(parse_rest_replies(payload))
    if not isinstance(payload, dict):
        raise RasaUnavailable("unexpected reply shape")
    messages = parse_rest_replies(payload.get("messages"))
    return Turn(messages, understanding_from_parse(payload.get("parse_data"), text.strip()))


def parse_transcript(tracker: object, limit: int = 60) -> list[TranscriptLine]:
    """The user and bot events of a tracker since its last session start, the last `limit`.
    A button's payload ("/greet", '/inform{...}') is not what the patient typed: such
    lines are left out, the bot's answer to them stays."""
    events = _dict(tracker).get("events")
    lines: list[TranscriptLine] = []
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict):
            continue
        kind = event.get("event")
        if kind in SESSION_MARKERS:
            lines = []
        elif kind == "user":
            text = placeholder_shown(str(event.get("text") or ""))  # the patient's own words, masked
            if text and not text.startswith("/"):
                lines.append(TranscriptLine("me", text))
        elif kind == "bot":
            data = event.get("data") if isinstance(event.get("data"), dict) else {}
            buttons = tuple(_button(b) for b in (data or {}).get("buttons") or [] if isinstance(b, dict))
            text = str(event.get("text") or "")
            if text or buttons:
                lines.append(TranscriptLine("bot", text, buttons))
    return lines[-limit:]


def _button(data: dict[str, Any]) -> Button:
    """A button as Rasa sent it. A payload that is a web address (a model trained before
    link buttons had `url`) is a link too: sent back to the bot it would mean nothing."""
    title, payload = str(data.get("title", "")), str(data.get("payload") or "")
    url = _http_url(data.get("url")) or _http_url(payload)
    return Button(title, "" if url else payload, url)


def _http_url(value: object) -> str:
    """Only http(s) links become link buttons: a `javascript:` URL never reaches a page."""
    text = str(value or "")
    return text if text.startswith(("https://", "http://")) else ""


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def understanding_from_parse(parse: object, text: str) -> Understanding | None:
    """Rasa's parse of a message (the turn's `parse_data`, as `/model/parse` answers it), if it is `text`."""
    latest = _dict(parse)
    if latest.get("text") != text:
        return None
    ranking = [_dict(i) for i in latest.get("intent_ranking") or [] if isinstance(i, dict)]
    candidates = [i for i in ranking if i.get("name") != FALLBACK_INTENT] or [_dict(latest.get("intent"))]
    best = candidates[0]
    name, confidence = best.get("name"), best.get("confidence")
    if not name or isinstance(confidence, bool) or not isinstance(confidence, int | float):
        return None
    name = str(name)
    # A retrieval intent (faq) says which answer it chose in the response selector.
    chosen = str(
        _dict(_dict(_dict(latest.get("response_selector")).get(name)).get("response")).get("intent_response_key") or ""
    )
    if chosen.startswith(f"{name}/"):
        name = chosen
    return Understanding(name[:120], round(float(confidence), 4))


def _path_id(sender: str) -> str:
    """A conversation id in a Rasa URL path. Rasa does not decode the path, so the
    channel's colon must stay as it is (`web%3Ax` would name another, empty conversation)."""
    return quote(sender, safe=":")


# Connections kept per Rasa server: at least the edge's threads per process (gunicorn.conf.py,
# GUNICORN_THREADS 20), so a turn never waits for one; a burst beyond it opens extra ones.
POOL_SIZE = 32


class RasaRestClient(DialogueEngine):
    """Rasa's HTTP API over one urllib3 pool of kept-alive connections per process.

    One request per turn, on the patient's path: `requests` cost about 0.8 ms of the
    edge's CPU per call (its session's merging of settings, the environment's proxies
    and .netrc, hooks, cookies), a bare urllib3 pool about 0.3 (issue 14,
    docs/benchmarks.md). The same timeouts (connect and read, each), no retry, and any
    failure (connection, timeout, an HTTP error status, a body that is not JSON) is
    `RasaUnavailable`, as before."""

    def __init__(
        self, base_url: str, timeout: float = 8.0, token: str | None = None, understanding_timeout: float = 1.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token
        # The open-form read before a message that may hold a code: it must never hold the turn up for long.
        self.understanding_timeout = min(understanding_timeout, timeout)
        self._pool = urllib3.PoolManager(maxsize=POOL_SIZE, retries=urllib3.Retry(0, read=False, redirect=False))

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        timeout: float | None = None,
        json_body: object = None,
    ) -> Any:
        params = {**(params or {}), **({"token": self.token} if self.token else {})}
        url = self.base_url + path + (f"?{urlencode(params)}" if params else "")
        seconds = timeout or self.timeout
        try:
            body = None if json_body is None else json.dumps(json_body, allow_nan=False).encode()
            response = self._pool.request(
                method,
                url,
                body=body,
                headers={"Content-Type": "application/json"} if body is not None else None,
                timeout=urllib3.Timeout(connect=seconds, read=seconds),
            )
            if response.status >= 400:
                raise RasaUnavailable(f"{method} {path}: HTTPError {response.status}")
            return json.loads(response.data)
        except (urllib3.exceptions.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"{method} {path}: {type(exc).__name__}") from exc

    def send(self, sender: str, text: str, metadata: dict[str, Any]) -> Turn:
        """One request per turn: the replies and the NLU's reading of the message come
        together (bot/whole_turn_channel.py), never from a second parse."""
        payload = {"sender": sender, "message": text, "metadata": metadata}
        answer = self._request("POST", "/webhooks/rest/webhook", params={"parse_data": "true"}, json_body=payload)
        return parse_turn(answer, text)

    def set_slot(self, sender: str, name: str, value: object) -> None:
        event = {"event": "slot", "name": name, "value": value}
        self._request("POST", f"/conversations/{_path_id(sender)}/tracker/events", json_body=event)

    def transcript(self, sender: str, limit: int = 60) -> list[TranscriptLine]:
        tracker = self._request(
            "GET", f"/conversations/{_path_id(sender)}/tracker", params={"include_events": "AFTER_RESTART"}
        )
        return parse_transcript(tracker, limit)

    def requested_slot(self, sender: str) -> str | None:
        value = _dict(self._state(sender).get("slots")).get("requested_slot")
        return str(value) if value else None

    def active_loop(self, sender: str) -> str | None:
        name = _dict(self._state(sender).get("active_loop")).get("name")
        return str(name) if name else None

    def _state(self, sender: str) -> dict[str, Any]:
        """The tracker's current state without its events: slots, active loop."""
        tracker = self._request(
            "GET",
            f"/conversations/{_path_id(sender)}/tracker",
            params={"include_events": "NONE"},
            timeout=self.understanding_timeout,
        )
        return _dict(tracker)
