"""PIPL in the chat (issue 11): a separate consent before the first sensitive question,
its wording and version from data/consent.yml, kept per account with the time; until
"同意" a sensitive message neither reaches Rasa nor the conversation log; "不同意" is
respected; a red flag gets the 120 advice first, consent or not.

Through POST /api/v1/chat; Rasa is a local server speaking its REST protocol, the
database is the real one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from integrations.rasa.client import RasaRestClient
from models import AuditEntry, ConversationMessage, utcnow
from models.privacy import PrivacyConsent
from services.context import ServiceContext
from services.conversation import consent
from services.conversation.contexts import TEXT_CONTEXT
from services.patients.registry import find_or_create_account
from tests.conftest import settings_for
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.web_chat import web_sender
from tests.wiring import use


def _bot(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        return 200, [{"recipient_id": "x", "text": "好的，我来帮您"}]
    if "/tracker" in request.path and request.method == "GET":
        return 200, {"slots": {}, "latest_message": {"intent": {"name": "greet", "confidence": 0.99}}}
    return 200, {}


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


def chat(client: FlaskClient, message: str) -> list[dict[str, object]]:
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": message})
    assert response.status_code == 200, response.json
    return list(response.json["messages"])


def sent_to_rasa(rasa: FakeServer) -> list[str]:
    return [r.json()["message"] for r in rasa.requests if r.path.startswith("/webhooks")]


def kept_texts(ctx: ServiceContext) -> list[str]:
    with ctx.db.reading() as session:
        rows = session.scalars(select(ConversationMessage).order_by(ConversationMessage.id)).all()
        return [ctx.cipher.decrypt(r.text_enc, TEXT_CONTEXT) for r in rows]


def consents(ctx: ServiceContext, asked: bool = False) -> list[PrivacyConsent]:
    """The answers kept (and, with `asked`, the times the question was shown)."""
    with ctx.db.reading() as session:
        rows = session.scalars(select(PrivacyConsent).order_by(PrivacyConsent.id)).all()
        return [row for row in rows if asked or row.decision != "asked"]


@pytest.mark.parametrize(
    "message",
    ["我头疼三天了，还有点发烧", "身份证11010519491231002X", "我要挂号", "我想查報告", "/query_result", "帮我续方"],
)
def test_a_sensitive_message_waits_for_consent_and_is_neither_passed_on_nor_kept(
    ctx: ServiceContext, client: FlaskClient, rasa: FakeServer, message: str
) -> None:
    [reply] = chat(client, message)
    assert reply["text"] == consent.wording()["ask"]
    assert [b["title"] for b in reply["buttons"]] == ["同意", "不同意"]  # type: ignore[union-attr]
    assert sent_to_rasa(rasa) == []
    assert all(message not in text for text in kept_texts(ctx))
    assert consents(ctx) == []  # no answer yet; the question's showing is noted with its version
    assert [(c.decision, c.version) for c in consents(ctx, asked=True)] == [("asked", consent.version())]


def test_agreeing_records_the_version_and_time_then_the_journey_goes_on(
    app: Flask, ctx: ServiceContext, client: FlaskClient, rasa: FakeServer
) -> None:
    chat(client, "我头疼三天了")
    before = utcnow()
    thanks, answer = chat(client, "同意")  # the held message is answered at once: nothing to repeat
    assert thanks["text"] == consent.wording()["agreed_go_on"]
    assert answer["text"] == "好的，我来帮您"
    [row] = consents(ctx)
    assert (row.decision, row.version, row.channel) == ("granted", consent.version(), "web")
    assert row.decided_at >= before.replace(microsecond=0)
    with ctx.db.reading() as session:
        assert session.scalar(select(AuditEntry.action).where(AuditEntry.action == "privacy.consent.granted"))
    assert sent_to_rasa(rasa) == ["我头疼三天了"]
    assert "我头疼三天了" in kept_texts(ctx)
    assert consent.decision(ctx, "web", web_sender(app, client, "p1")) == "granted"


def test_a_message_that_is_not_sensitive_needs_no_consent(
    ctx: ServiceContext, client: FlaskClient, rasa: FakeServer
) -> None:
    assert chat(client, "医院几点开门")[0]["text"] == "好的，我来帮您"
    assert sent_to_rasa(rasa) == ["医院几点开门"]


def test_a_red_flag_gets_the_120_advice_first_without_consent(
    ctx: ServiceContext, client: FlaskClient, rasa: FakeServer
) -> None:
    replies = chat(client, "我爸胸口剧痛，喘不上气，满头大汗")
    assert "120" in str(replies[0]["text"])
    assert consent.wording()["ask"] not in [r["text"] for r in replies]
    # the emergency journey goes on without consent too: no consent question in its way
    follow_up = chat(client, "救护车还没到，他胸口还是很疼")
    assert consent.wording()["ask"] not in [r["text"] for r in follow_up]


def test_declining_is_respected_and_says_what_the_bot_can_still_do(
    ctx: ServiceContext, client: FlaskClient, rasa: FakeServer
) -> None:
    chat(client, "我要挂号")
    [reply] = chat(client, "不同意")
    text = str(reply["text"])
    assert "120" in text and "常见问题" in text and "不会询问或保存" in text
    assert [c.decision for c in consents(ctx)] == ["declined"]
    [again] = chat(client, "我要挂号，身份证11010519491231002X")
    assert "您之前选择了不同意" in str(again["text"])
    assert sent_to_rasa(rasa) == []
    assert all("11010519491231002X" not in text for text in kept_texts(ctx))
    assert chat(client, "医院地址在哪")[0]["text"] == "好的，我来帮您"  # FAQs still answered


def test_a_new_wording_version_asks_again(
    app: Flask, ctx: ServiceContext, client: FlaskClient, rasa: FakeServer
) -> None:
    chat(client, "你好")
    sender = web_sender(app, client, "p1")
    with ctx.db.transaction() as session:
        account = find_or_create_account(session, ctx.cipher, "web", sender)
        session.add(PrivacyConsent(account_id=account.id, version="2020-01-01", decision="granted", channel="web"))
    assert chat(client, "我要挂号")[0]["text"] == consent.wording()["ask"]


def test_consent_can_be_withdrawn(ctx: ServiceContext, client: FlaskClient, rasa: FakeServer) -> None:
    chat(client, "同意")
    assert chat(client, "我要挂号")[0]["text"] == "好的，我来帮您"
    assert "已撤回" in str(chat(client, "撤回同意")[0]["text"])
    assert chat(client, "我要挂号")[0]["text"] != "好的，我来帮您"
    assert [c.decision for c in consents(ctx)] == ["granted", "withdrawn"]


def test_the_consent_question_is_answered_with_rasa_down(ctx: ServiceContext, client: FlaskClient) -> None:
    # no fake Rasa: RASA_URL is a closed port
    assert chat(client, "我头疼三天了")[0]["text"] == consent.wording()["ask"]
    assert "谢谢您的同意" in str(chat(client, "同意")[0]["text"])


def test_the_bots_own_question_for_health_data_waits_for_consent(app: Flask, ctx: ServiceContext) -> None:
    """ "我想看病" needs no consent, but the bot's answer asks for a symptom: the consent
    question goes first; once agreed, the bot's question comes through."""

    def asks_symptom(request: Recorded) -> tuple[int, object]:
        if request.path.startswith("/webhooks/rest/webhook"):
            return 200, [{"recipient_id": "x", "text": "您哪里不舒服？用几个字说说就行，比如“头疼、发烧”。"}]
        return 200, {"slots": {}, "latest_message": {}}

    client = app.test_client()
    with fake_server(asks_symptom) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        assert chat(client, "我想看病")[0]["text"] == consent.wording()["ask"]
        thanks, question = chat(client, "同意")  # the bot's question comes through at once, not asked again
        assert thanks["text"] == consent.wording()["agreed_go_on"]
        assert str(question["text"]).startswith("您哪里不舒服")
        assert sent_to_rasa(server) == ["我想看病"]


def test_the_bots_faq_answer_needs_no_consent(app: Flask, ctx: ServiceContext) -> None:
    def faq(request: Recorded) -> tuple[int, object]:
        if request.path.startswith("/webhooks/rest/webhook"):
            return 200, [{"recipient_id": "x", "text": "看病请带上身份证和医保卡，门诊早上8点开始。"}]
        return 200, {"slots": {}, "latest_message": {}}

    client = app.test_client()
    with fake_server(faq) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        assert chat(client, "看病要带什么")[0]["text"].startswith("看病请带上身份证")  # type: ignore[union-attr]
