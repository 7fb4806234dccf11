"""The consent question and the privacy commands on a platform channel (issue 11): an SMS
patient gets the consent question with numbered choices, answers it with the number,
and "刪除我的數據" works there too, decided at the edge like STOP/退订, with Rasa down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from models.privacy import PrivacyConsent
from services.context import ServiceContext
from services.conversation import consent
from tests.conftest import settings_for
from tests.fakes.channels import bot_turns, fake_rasa
from tests.integration.test_channel_sms import AUTH_TOKEN, PUBLIC, form, messages, post


@pytest.fixture
def sms_app(database_url: str) -> Iterator[Flask]:
    settings = settings_for(
        database_url, twilio_auth_token=AUTH_TOKEN, public_base_url=PUBLIC, privacy_consent_required=True
    )
    app = create_app(settings)
    yield app
    app.extensions["hospital"].db.dispose()


@pytest.fixture
def client(sms_app: Flask) -> FlaskClient:
    return sms_app.test_client()


def decisions(ctx: ServiceContext) -> list[str]:
    with ctx.db.reading() as session:
        rows = session.scalars(select(PrivacyConsent.decision).order_by(PrivacyConsent.id)).all()
        return [decision for decision in rows if decision != "asked"]


def test_an_sms_patient_answers_the_consent_question_with_its_number(sms_app: Flask, client: FlaskClient) -> None:
    ctx: ServiceContext = sms_app.extensions["hospital"]
    with fake_rasa(sms_app) as rasa:
        [asked] = messages(post(client, form("我要挂号")))
        assert asked.startswith(consent.wording()["ask"][:10]) and "回复1 同意" in asked and "回复2 不同意" in asked
        assert bot_turns(rasa) == []
        [agreed] = messages(post(client, form("1")))
        assert "谢谢您的同意" in agreed and decisions(ctx) == ["granted"]
        assert len(bot_turns(rasa)) == 1  # the held "我要挂号" went to the bot with the answer: not typed again


def test_deleting_by_sms_works_with_rasa_down(sms_app: Flask, client: FlaskClient) -> None:
    ctx: ServiceContext = sms_app.extensions["hospital"]
    post(client, form("同意"))  # no fake Rasa: RASA_URL is a closed port
    assert decisions(ctx) == ["granted"]
    [done] = messages(post(client, form("刪除我的數據")))
    assert "已删除" in done and decisions(ctx) == []


def test_a_rasa_that_is_up_never_hears_the_commands(sms_app: Flask, client: FlaskClient) -> None:
    with fake_rasa(sms_app) as rasa:
        for text in ("查看我的数据", "窗口绑定", "不同意"):
            assert messages(post(client, form(text)))
        assert bot_turns(rasa) == []


def test_a_number_with_no_consent_question_before_it_is_no_answer(sms_app: Flask, client: FlaskClient) -> None:
    ctx: ServiceContext = sms_app.extensions["hospital"]
    with fake_rasa(sms_app) as rasa:
        assert messages(post(client, form("1")))
        assert len(bot_turns(rasa)) == 1 and decisions(ctx) == []
