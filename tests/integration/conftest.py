"""Fixtures shared by the console's teaching tests (test_console_teaching*.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from config import ROOT
from services.context import ServiceContext
from services.task_queue import InMemoryTaskQueue
from services.teaching import model_lifecycle as ml
from services.teaching import training_data as td
from tests.conftest import settings_for
from tests.console_helpers import login, make_staff
from tests.fakes.http_server import FakeServer, fake_server
from tests.wiring import use


@dataclass
class Teaching:
    app: Flask
    ctx: ServiceContext
    rasa: FakeServer
    paths: ml.LifecyclePaths
    queued: list[str]
    secrets: dict[str, str]

    def client(self, username: str) -> FlaskClient:
        client = self.app.test_client()
        assert login(client, username, self.secrets[username]).status_code == 302
        return client


@pytest.fixture
def teaching(database_url: str, tmp_path: Path) -> Iterator[Teaching]:
    triage = tmp_path / "data" / "triage"
    shutil.copytree(ROOT / "data" / "triage", triage)
    shutil.copyfile(ROOT / "data" / "departments.yml", tmp_path / "data" / "departments.yml")
    paths = ml.LifecyclePaths(repo=tmp_path / "repo", models=tmp_path / "models", work=tmp_path / "work", triage=triage)
    with fake_server(lambda request: (204, b"")) as rasa:
        app = create_app(settings_for(database_url).model_copy(update={"rasa_url": rasa.url}))
        queued: list[str] = []
        use(app, tasks=InMemoryTaskQueue(run=lambda _name, args: queued.append(str(args[0]))))
        app.extensions["lifecycle_paths"] = paths
        ctx: ServiceContext = app.extensions["hospital"]
        td.import_directory(ctx, ROOT, author="staff:seed")
        secrets = {
            name: make_staff(ctx, name, *roles)
            for name, roles in {
                "editor": ("dialogue_editor",),
                "admin": ("admin",),
                "drli": ("clinician",),
                "drwang": ("clinician",),
                "kefu": ("support",),
                "yaoshi": ("pharmacist",),
            }.items()
        }
        yield Teaching(app, ctx, rasa, paths, queued, secrets)
        ctx.db.dispose()
