"""Consent costs no turn (issue 13): after "同意" the message held back for the consent
question is answered at once, and a form question the consent question stood in for is
shown where the form was; "不同意" forgets what waited. What waits is encrypted in the
placeholder vault and gone once used.

Through POST /api/v1/chat; Rasa is a local server speaking its REST protocol (it echoes
what it got, and asks for an ID number when told "好的"), the database is the real one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from integrations.rasa.client import RasaRestClient
from models.chat_secret import ChatSecret
from services.context import ServiceContext
from services.conversation import consent
from tests.conftest import settings_for
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

ID_QUESTION = "请输入就诊人的身份证号（18位）："


def _bot(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        said = request.json()["message"]
        text = ID_QUESTION if said == "好的" else f"机器人收到：{said}"
        buttons = [{"title": "1 张三", "payload": "/inform"}] if said == "好的" else []
        return 200, [{"recipient_id": "x", "text": text, "buttons": buttons}]
    return 200, {"slots": {}, "latest_message": {"intent": {"name": "inform", "confidence": 0.9}}}


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    settings = settings_for(
        database_url, privacy_consent_required=True, rasa_tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}"
    )
    application = create_app(settings)
    yield application
    application.extensions["hospital"].db.dispose()


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    with fake_server(_bot) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        yield server


def chat(client: FlaskClient, message: str) -> list[str]:
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": message})
    body = response.get_json()
    assert response.status_code == 200 and body is not None, body
    return [str(m["text"]) for m in body["messages"]]


def sent(rasa: FakeServer) -> list[str]:
    return [r.json()["message"] for r in rasa.requests if r.path.startswith("/webhooks")]


def waiting(ctx: ServiceContext) -> list[str]:
    with ctx.db.reading() as session:
        return [k for k in session.scalars(select(ChatSecret.kind)).all() if k.startswith("held_")]


GO_ON = "谢谢您的同意，我们接着办。"


@pytest.mark.parametrize("agree", ["同意", "1"])
def test_the_held_message_is_answered_right_after_agreeing(
    ctx: ServiceContext, client: FlaskClient, rasa: FakeServer, agree: str
) -> None:
    assert chat(client, "我想预约心内科，明天上午") == [consent.wording()["ask"]]
    assert waiting(ctx) == ["held_m00"]  # kept encrypted in the vault, not in the log
    assert chat(client, agree) == [GO_ON, "机器人收到：我想预约心内科，明天上午"]
    assert sent(rasa) == ["我想预约心内科，明天上午"]
    assert waiting(ctx) == []  # used once, then gone
    assert chat(client, "好的谢谢") == ["机器人收到：好的谢谢"]  # and no second replay


def test_a_long_message_is_replayed_whole(ctx: ServiceContext, client: FlaskClient, rasa: FakeServer) -> None:
    long = "我妈七十三了，" + "这一个礼拜老是头晕，吃饭也少了，" * 12 + "想给她挂个号"
    chat(client, long)
    assert len(waiting(ctx)) > 1  # kept in pieces the vault's column holds
    assert chat(client, "同意") == [GO_ON, f"机器人收到：{long}"]


def test_a_form_question_the_consent_stood_in_for_is_shown_after_agreeing(
    client: FlaskClient, rasa: FakeServer
) -> None:
    """Asked in the middle of a form: after 同意 the form goes on where it was, the bot
    is not asked again and the question keeps its buttons."""
    assert chat(client, "好的") == [consent.wording()["ask"]]
    body = client.post("/api/v1/chat", json={"sender": "p1", "message": "同意"}).get_json()
    assert body is not None
    assert [m["text"] for m in body["messages"]] == [GO_ON, ID_QUESTION]
    assert body["messages"][1]["buttons"] == [{"title": "1 张三", "payload": "/inform"}]
    assert sent(rasa) == ["好的"]


def test_declining_forgets_what_waited(ctx: ServiceContext, client: FlaskClient, rasa: FakeServer) -> None:
    chat(client, "我要挂号")
    assert "不会询问或保存" in chat(client, "不同意")[0]
    assert waiting(ctx) == []
    assert chat(client, "同意") == [consent.wording()["agreed"].strip()]  # changed their mind: nothing replayed
    assert sent(rasa) == []


def test_a_held_message_is_answered_by_the_latest_one(
    ctx: ServiceContext, client: FlaskClient, rasa: FakeServer
) -> None:
    chat(client, "我要挂号")
    chat(client, "我要查报告")
    assert chat(client, "同意") == [GO_ON, "机器人收到：我要查报告"]
