"""Loading a model on the running bot. Rasa started with `--enable-api` loads the
new model beside the old one on `PUT /model {"model_file": path}` and swaps,
so no conversation is refused meanwhile."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import requests

from integrations.rasa.errors import RasaUnavailable


class ModelServer(ABC):
    @abstractmethod
    def load(self, model_path: Path) -> None:
        """Make the running bot use this model; raises RasaUnavailable."""


class RasaModelApi(ModelServer):
    """Rasa's HTTP API (`rasa run --enable-api`): PUT /model loads and swaps."""

    def __init__(self, base_url: str, timeout: float = 300.0, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token

    def load(self, model_path: Path) -> None:
        params = {"token": self.token} if self.token else None
        try:
            resp = requests.put(
                f"{self.base_url}/model",
                json={"model_file": str(model_path)},
                params=params,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise RasaUnavailable("model not loaded", detail=type(exc).__name__) from exc
        if resp.status_code != 204:
            raise RasaUnavailable("model not loaded", status_code=resp.status_code, body=resp.text[:500])


class PulledByRasa(ModelServer):
    """Rasa pulls the active model from the app (RASA_MODEL_PULL, web/model_server.py):
    activating is recording the choice, which every replica picks up on its next poll.
    What is left to check here is that the file is there to be served."""

    def load(self, model_path: Path) -> None:
        if not model_path.is_file():
            raise RasaUnavailable("model file missing", detail=str(model_path.name))
