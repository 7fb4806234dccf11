"""Readiness drains only what is broken: the web process's own database. Rasa and
the broker are reported (body and `hospital_dependency_up`) but a web instance
stays in rotation while they are away, so payment notifications and emergency
advice keep flowing during a Rasa restart."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from config import load_settings
from tests.conftest import SERVICE_TOKEN, settings_for
from tests.fakes.http_server import Recorded, fake_server


def _gauge(client: FlaskClient, dependency: str) -> str:
    prefix = f'hospital_dependency_up{{dependency="{dependency}"}} '
    lines = [line for line in client.get("/metrics").get_data(as_text=True).splitlines() if line.startswith(prefix)]
    assert lines, f"no gauge for {dependency}"
    return lines[0].removeprefix(prefix)


def test_rasa_down_is_reported_not_drained(client: FlaskClient) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "ready"
    assert ready.json["dependencies"]["rasa"].startswith("unavailable")
    assert _gauge(client, "rasa") == "0.0"
    assert _gauge(client, "database") == "1.0"


def test_rasa_up_is_asked_with_its_token(database_url: str) -> None:
    def rasa_status(request: Recorded) -> tuple[int, object]:
        if "token=rasa-secret" not in request.path:
            return 401, {"message": "token required"}
        return 200, {"model_file": "current.tar.gz"}

    with fake_server(rasa_status) as rasa:
        app = create_app(
            load_settings(
                app_env="test",
                database_url=database_url,
                hospital_api_token=SERVICE_TOKEN,
                celery_broker_url="memory://",
                rasa_url=rasa.url,
                rasa_auth_token="rasa-secret",
            )
        )
        client = app.test_client()
        ready = client.get("/readyz")
        # The dialogue client the app wires carries the same token on Rasa's HTTP API.
        app.extensions["hospital"].dialogue.set_slot("web:abc", "emergency", True)
        app.extensions["hospital"].db.dispose()
    assert ready.status_code == 200
    assert ready.json["dependencies"]["rasa"] == "ok"
    assert rasa.requests[-1].path.startswith("/conversations/web:abc/tracker/events?token=rasa-secret")
    assert _gauge(client, "rasa") == "1.0"


def test_a_lost_database_drains_with_retry_after(tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "db.sqlite3"  # a directory that does not exist: sqlite cannot open it
    app: Flask = create_app(settings_for(f"sqlite:///{missing}"))
    ready = app.test_client().get("/readyz")
    app.extensions["hospital"].db.dispose()
    assert ready.status_code == 503 and ready.json["status"] == "not_ready"
    assert ready.json["checks"]["database"].startswith("unavailable")
    assert ready.headers["Retry-After"] == "5"
