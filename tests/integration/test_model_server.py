"""GET /rasa/model: the app as Rasa's model server (web/model_server.py). The real Rasa
pulling from it is tests/rasa/test_model_pull.py; here the contract Rasa relies on:
the token, the ETag, 304 while nothing changed, the file once something did."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from integrations.rasa.fleet import model_server_for
from services.errors import DomainError
from services.teaching import model_lifecycle as ml
from tests.conftest import settings_for

TOKEN = "rasa-model-pull-token-0123456789abcdef0123456789"


@pytest.fixture
def models(tmp_path: Path) -> Path:
    directory = tmp_path / "models"
    directory.mkdir()
    (directory / "current.tar.gz").write_bytes(b"bootstrap model bytes")
    return directory


@pytest.fixture
def pull_app(database_url: str, models: Path) -> Iterator[Flask]:
    application = create_app(
        settings_for(database_url, rasa_models_dir=models, rasa_auth_token=TOKEN, rasa_model_pull=True)
    )
    yield application
    application.extensions["hospital"].db.dispose()


def _pull(client: FlaskClient, etag: str | None = None, token: str = TOKEN):  # type: ignore[no-untyped-def]
    headers = {"If-None-Match": etag} if etag else {}
    return client.get("/rasa/model", query_string={"token": token}, headers=headers)


def test_without_the_token_nothing_is_served(pull_app: Flask) -> None:
    client = pull_app.test_client()
    assert client.get("/rasa/model").status_code == 401
    assert _pull(client, token="wrong").status_code == 401


def test_the_bootstrap_model_then_304_until_a_version_is_activated(pull_app: Flask, tmp_path: Path) -> None:
    client, ctx = pull_app.test_client(), pull_app.extensions["hospital"]
    first = _pull(client)
    assert first.status_code == 200 and first.data == b"bootstrap model bytes"
    etag = first.headers["ETag"]
    assert first.headers["filename"].endswith(".tar.gz")
    assert _pull(client, etag).status_code == 304
    assert _pull(client, etag).headers["ETag"] == etag

    candidate = tmp_path / "trained.tar.gz"
    candidate.write_bytes(b"the new model")
    paths = ml.LifecyclePaths(models=ctx.settings.rasa_models_dir)
    version = ml.register_model(ctx, candidate, author="staff:test", paths=paths)
    assert _pull(client, etag).status_code == 304, "a registered version is not active yet"
    server = model_server_for(ctx.settings.rasa_url, TOKEN, pulled=ctx.settings.rasa_model_pull)
    ml.activate(ctx, version, server, actor="staff:test")  # no Rasa to call: Rasa comes to us

    changed = _pull(client, etag)
    assert changed.status_code == 200 and changed.data == b"the new model"
    assert changed.headers["ETag"] != etag
    assert changed.headers["filename"] == f"{version}.tar.gz"
    assert _pull(client, changed.headers["ETag"]).status_code == 304


def test_an_active_version_whose_file_is_gone_serves_nothing(pull_app: Flask, tmp_path: Path) -> None:
    ctx = pull_app.extensions["hospital"]
    candidate = tmp_path / "trained.tar.gz"
    candidate.write_bytes(b"model")
    paths = ml.LifecyclePaths(models=ctx.settings.rasa_models_dir)
    version = ml.register_model(ctx, candidate, author="staff:test", paths=paths)
    server = model_server_for(ctx.settings.rasa_url, TOKEN, pulled=True)
    ml.activate(ctx, version, server, actor="staff:test")
    Path(ml.get_version(ctx, version).model_path or "").unlink()
    # Rasa keeps the model it runs rather than get another than the console shows.
    assert _pull(pull_app.test_client()).status_code == 404
    with pytest.raises(DomainError):  # and it cannot be activated again while missing
        ml.activate(ctx, version, server, actor="staff:test")


def test_no_model_at_all_is_a_404(pull_app: Flask, models: Path) -> None:
    (models / "current.tar.gz").unlink()
    assert _pull(pull_app.test_client()).status_code == 404
