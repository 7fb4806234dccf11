"""Rasa knows a conversation only by a pseudonym (issue 11): an SMS patient's phone number,
a WeChat openid or an Alipay user id never becomes Rasa's sender id (kept in plaintext in
its tracker store) nor its metadata. The action server passes the pseudonym back to the
v1 API, which maps it to the real conversation and chat account; the mapping is the same
after a restart, and a pseudonym the app never gave out is refused (422, in Chinese).

Through the real Twilio webhook (signed) and the v1 API as the action server calls it
(service token, X-Conversation-ID), on the real database; Rasa is a local fake server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from models import AccountPatient, HandoffTicket, RasaSender
from services.context import ServiceContext
from services.conversation import handoff, placeholders, pseudonyms
from services.crypto import FieldCipher
from services.patients.registry import find_or_create_account, register_patient
from shared_rules import PLACEHOLDER_IN_TEXT
from tests.conftest import AUTH, settings_for
from tests.factories import valid_id_number
from tests.fakes.channels import bot_turns, fake_rasa
from tests.fakes.http_server import FakeServer
from tests.integration.test_channel_sms import AUTH_TOKEN, PATIENT, PUBLIC, form, post

NUMBER = PATIENT[-11:]  # the phone as patients write it
ID_NUMBER = valid_id_number("19500101", sequence=31)


@pytest.fixture
def sms_app(database_url: str) -> Iterator[Flask]:
    app = create_app(settings_for(database_url, twilio_auth_token=AUTH_TOKEN, public_base_url=PUBLIC))
    yield app
    app.extensions["hospital"].db.dispose()


@pytest.fixture
def ctx(sms_app: Flask) -> ServiceContext:
    return sms_app.extensions["hospital"]  # type: ignore[no-any-return]


@pytest.fixture
def client(sms_app: Flask) -> FlaskClient:
    return sms_app.test_client()


@pytest.fixture
def rasa(sms_app: Flask) -> Iterator[FakeServer]:
    with fake_rasa(sms_app) as server:
        yield server


def sms_pseudonym(client: FlaskClient, rasa: FakeServer, text: str = "我想挂号") -> str:
    """An SMS reaches Rasa; the sender id Rasa was given."""
    assert post(client, form(text)).status_code == 200
    turn = bot_turns(rasa)[-1]
    return str(turn["sender"])


def test_an_sms_patients_phone_never_reaches_rasa(ctx: ServiceContext, client: FlaskClient, rasa: FakeServer) -> None:
    sender = sms_pseudonym(client, rasa, f"我的身份证{ID_NUMBER}")
    assert pseudonyms.is_pseudonym(sender) and sender == pseudonyms.of(ctx.cipher, f"sms:{PATIENT}")
    [turn] = bot_turns(rasa)
    said = json.dumps(turn, ensure_ascii=False)
    assert NUMBER not in said and ID_NUMBER not in said and turn["metadata"] == {"channel": "sms"}
    with ctx.db.reading() as session:  # the app keeps the way back, encrypted
        [row] = session.scalars(select(RasaSender)).all()
    assert row.pseudonym == sender and NUMBER not in row.conversation_enc
    assert pseudonyms.conversation_of(ctx, sender) == f"sms:{PATIENT}"


def test_the_action_server_reaches_the_real_account_and_conversation_through_the_pseudonym(
    ctx: ServiceContext, client: FlaskClient, rasa: FakeServer
) -> None:
    sender = sms_pseudonym(client, rasa)
    view, _ = register_patient(ctx, name="钱秀兰", id_number=ID_NUMBER, phone=NUMBER)
    with ctx.db.transaction() as session:
        account = find_or_create_account(session, ctx.cipher, "sms", PATIENT)
        session.add(AccountPatient(account_id=account.id, patient_id=view.id, relation="self"))
    # GET /accounts/patients, as integrations/hospital/http.py asks it
    query = {"channel": "sms", "channel_user_id": sender}
    listed = client.get("/api/v1/accounts/patients", query_string=query, headers=AUTH)
    assert listed.status_code == 200 and [p["id"] for p in listed.json] == [view.id]
    # a placeholder typed in this SMS conversation opens for the pseudonym's conversation only
    text = placeholders.protect(ctx, f"sms:{PATIENT}", f"手机{NUMBER}")
    [phone] = [m.group(0) for m in PLACEHOLDER_IN_TEXT.finditer(text)]
    headers = {**AUTH, "X-Conversation-ID": sender}
    sent = client.post("/api/v1/otp", json={"phone": phone, "purpose": "results"}, headers=headers)
    assert sent.status_code in (200, 201, 202), sent.json
    elsewhere = pseudonyms.remember(ctx, "sms:+8613900000000")
    refused = client.post(
        "/api/v1/otp", json={"phone": phone, "purpose": "results"}, headers={**AUTH, "X-Conversation-ID": elsewhere}
    )
    assert refused.status_code == 422
    # the hand-off pauses the bot for the real conversation
    opened = client.post("/api/v1/handoffs", json={"conversation_id": sender}, headers=AUTH)
    assert opened.status_code == 201, opened.json
    assert handoff.is_paused(ctx, f"sms:{PATIENT}")
    with ctx.db.reading() as session:
        [ticket] = session.scalars(select(HandoffTicket)).all()
    assert ticket.channel == "sms"


def test_an_unknown_or_mismatched_pseudonym_is_refused_in_chinese(
    ctx: ServiceContext, client: FlaskClient, rasa: FakeServer
) -> None:
    sender = sms_pseudonym(client, rasa)
    stranger = "c_" + "0" * 32
    unknown = client.post("/api/v1/handoffs", json={"conversation_id": stranger}, headers=AUTH)
    assert unknown.status_code == 422 and "重新开始" in unknown.json["message"]
    query = {"channel": "wechat", "channel_user_id": sender}  # an SMS conversation named as WeChat
    mismatched = client.get("/api/v1/accounts/patients", query_string=query, headers=AUTH)
    assert mismatched.status_code == 422 and "重新开始" in mismatched.json["message"]


def test_the_pseudonym_is_the_same_after_a_restart(
    database_url: str, sms_app: Flask, client: FlaskClient, rasa: FakeServer
) -> None:
    sender = sms_pseudonym(client, rasa)
    restarted = create_app(settings_for(database_url, twilio_auth_token=AUTH_TOKEN, public_base_url=PUBLIC))
    try:
        again: ServiceContext = restarted.extensions["hospital"]
        assert pseudonyms.of(again.cipher, f"sms:{PATIENT}") == sender  # Rasa finds the same tracker
        assert pseudonyms.conversation_of(again, sender) == f"sms:{PATIENT}"
        # the data key may rotate (the blind-index key stays): still the same; another index key: not
        settings = again.settings
        rotated = FieldCipher(
            os.urandom(32), (*settings.data_old_key_bytes, settings.data_key_bytes), settings.data_key_bytes
        )
        assert pseudonyms.of(rotated, f"sms:{PATIENT}") == sender
        assert pseudonyms.of(FieldCipher(os.urandom(32)), f"sms:{PATIENT}") != sender
    finally:
        restarted.extensions["hospital"].db.dispose()
