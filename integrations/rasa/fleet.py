"""Several Rasa servers behind one `DialogueEngine`. `RASA_URL` may list them,
comma-separated; each conversation always goes to the same server, chosen by
rendezvous (highest-random-weight) hashing of its id. That keeps a conversation's
turns in order on one server even with Rasa's in-memory lock store, and when a
server joins or leaves only the conversations that hashed to it move (with a
shared PostgreSQL tracker store they carry on where they were; with per-server
SQLite files they would start again).

No retry on another server: a turn that timed out may still have been processed,
and sending it again elsewhere would duplicate it. A server that is down fails
its own conversations (the edge answers kindly) and is reported by /readyz.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from integrations.rasa.client import DialogueEngine, Turn
from integrations.rasa.model_api import ModelServer


def server_urls(rasa_url: str) -> list[str]:
    """`http://a:5005, http://b:5005` -> both, without trailing slashes or blanks."""
    urls = [part.strip().rstrip("/") for part in rasa_url.split(",") if part.strip()]
    if not urls:
        raise ValueError("RASA_URL names no server")
    return urls


def _weight(server: str, conversation: str) -> int:
    digest = hashlib.blake2b(f"{server}\n{conversation}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def pick(servers: Sequence[str], conversation: str) -> str:
    """The server for a conversation: the one whose hash with the id weighs most."""
    return max(servers, key=lambda server: _weight(server, conversation))


class RasaFleet(DialogueEngine):
    """Spreads conversations over one engine per server, consistently by sender."""

    def __init__(self, urls: Sequence[str], engine_for: Callable[[str], DialogueEngine]) -> None:
        if not urls:
            raise ValueError("a fleet needs at least one server")
        self.engines = {url: engine_for(url) for url in urls}

    def engine(self, sender: str) -> DialogueEngine:
        return self.engines[pick(list(self.engines), sender)]

    def send(self, sender: str, text: str, metadata: dict[str, Any]) -> Turn:
        return self.engine(sender).send(sender, text, metadata)

    def set_slot(self, sender: str, name: str, value: object) -> None:
        self.engine(sender).set_slot(sender, name, value)

    def requested_slot(self, sender: str) -> str | None:
        return self.engine(sender).requested_slot(sender)


class ModelServerFleet(ModelServer):
    """Loads a model on every server in turn; the first refusal stops and is raised,
    so the console never records as active a model that only part of the fleet runs
    without saying so. Needs the model file on a path every server can read."""

    def __init__(self, servers: Sequence[ModelServer]) -> None:
        self.servers = list(servers)

    def load(self, model_path: Path) -> None:
        for server in self.servers:
            server.load(model_path)


def model_server_for(rasa_url: str, token: str | None = None, pulled: bool = False) -> ModelServer:
    """Rasa's model API on every server `RASA_URL` names; or, when Rasa pulls its model
    from the app (RASA_MODEL_PULL), nothing to push."""
    from integrations.rasa.model_api import PulledByRasa, RasaModelApi

    if pulled:
        return PulledByRasa()
    servers = [RasaModelApi(url, token=token) for url in server_urls(rasa_url)]
    return servers[0] if len(servers) == 1 else ModelServerFleet(servers)
