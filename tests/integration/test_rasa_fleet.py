"""RASA_URL may list several Rasa servers: the app spreads conversations over them,
each conversation always on the same server, and a server leaving moves only its
own conversations. Readiness reports a server that is down without draining, and a
model is loaded on every server. The servers are local HTTP servers speaking
Rasa's REST protocol and recording what reached them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from app import build_dialogue, create_app
from config import load_settings
from integrations.rasa.errors import RasaUnavailable
from integrations.rasa.fleet import ModelServerFleet, RasaFleet, model_server_for, pick, server_urls
from integrations.rasa.model_api import RasaModelApi
from tests.conftest import SERVICE_TOKEN
from tests.fakes.http_server import FakeServer, Recorded, fake_server


def rasa_echo(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        return 200, [{"recipient_id": request.json()["sender"], "text": "您好"}]
    if request.path.startswith("/status"):
        return 200, {"model_file": "current.tar.gz"}
    if request.method == "PUT" and request.path.startswith("/model"):
        return 204, b""
    return 200, {}


@pytest.fixture
def servers() -> Iterator[list[FakeServer]]:
    with ExitStack() as stack:
        yield [stack.enter_context(fake_server(rasa_echo)) for _ in range(3)]


def _settings(database_url: str, rasa_url: str):  # type: ignore[no-untyped-def]
    return load_settings(
        app_env="test",
        database_url=database_url,
        hospital_api_token=SERVICE_TOKEN,
        celery_broker_url="memory://",
        rasa_url=rasa_url,
        rasa_auth_token="fleet-token",
    )


def _senders_seen(server: FakeServer) -> list[str]:
    return [r.json()["sender"] for r in server.requests if r.path.startswith("/webhooks/rest/webhook")]


def test_rasa_url_lists_servers() -> None:
    assert server_urls(" http://a:5005/ ,http://b:5005,") == ["http://a:5005", "http://b:5005"]
    with pytest.raises(ValueError, match="no server"):
        server_urls(" , ")


def test_conversations_spread_and_stay_on_their_server(database_url: str, servers: list[FakeServer]) -> None:
    settings = _settings(database_url, ",".join(s.url for s in servers))
    fleet = build_dialogue(settings)
    assert isinstance(fleet, RasaFleet)
    senders = [f"web:patient-{n}" for n in range(60)]
    for turn in range(2):
        for sender in senders:
            assert fleet.send(sender, f"第{turn}句", {}).messages[0].text == "您好"
    seen = [Counter(_senders_seen(server)) for server in servers]
    # Every server carries a share, and each conversation's both turns went to one server.
    assert all(len(counter) >= 8 for counter in seen), [len(c) for c in seen]
    assert all(set(counter.values()) == {2} for counter in seen)
    assert sum(len(counter) for counter in seen) == len(senders)
    # The token for Rasa's API travels with every call.
    assert all("token=fleet-token" in r.path for server in servers for r in server.requests)


def test_a_server_leaving_moves_only_its_own_conversations() -> None:
    three = ["http://a", "http://b", "http://c"]
    senders = [f"wechat:{n}" for n in range(300)]
    before = {s: pick(three, s) for s in senders}
    after = {s: pick(three[:2], s) for s in senders}
    moved = [s for s in senders if before[s] != after[s]]
    assert moved and all(before[s] == "http://c" for s in moved)
    assert len(moved) == sum(1 for s in senders if before[s] == "http://c")


def test_readiness_reports_a_server_down_without_draining(database_url: str, servers: list[FakeServer]) -> None:
    rasa_url = f"{servers[0].url},http://127.0.0.1:9"
    app = create_app(_settings(database_url, rasa_url))
    ready = app.test_client().get("/readyz")
    app.extensions["hospital"].db.dispose()
    assert ready.status_code == 200
    assert ready.json["dependencies"]["rasa"].startswith("unavailable: 1 of 2 servers (http://127.0.0.1:9 ")
    # A conversation pinned to the dead server is not sent to another (it could duplicate a turn).
    urls = server_urls(rasa_url)
    pinned = next(f"web:{n}" for n in range(100) if pick(urls, f"web:{n}") == "http://127.0.0.1:9")
    with pytest.raises(RasaUnavailable):
        build_dialogue(_settings(database_url, rasa_url)).send(pinned, "你好", {})
    assert pinned not in _senders_seen(servers[0])


def test_a_model_is_loaded_on_every_server(servers: list[FakeServer], tmp_path: Path) -> None:
    loader = model_server_for(",".join(s.url for s in servers), "fleet-token")
    assert isinstance(loader, ModelServerFleet)
    loader.load(tmp_path / "model.tar.gz")
    assert all(any(r.method == "PUT" and "token=fleet-token" in r.path for r in s.requests) for s in servers)
    assert isinstance(model_server_for(servers[0].url), RasaModelApi)
