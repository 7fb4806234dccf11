"""The conversation follows the money: once a payment settles the hold, the
confirmation goes, once, to the chat the visit was booked from."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import OutboxMessage
from services.context import ServiceContext
from services.conversation import pseudonyms
from services.notifications.outbox import RECIPIENT_CONTEXT
from services.patients.registry import phone_hash, register_patient
from tests.conftest import AUTH
from tests.factories import make_department, make_doctor, make_slot, valid_id_number
from tests.fakes.channels import bot_turns, fake_rasa

PHONE = "13655556666"


def _patient(ctx: ServiceContext, identities: list[tuple[str, str]]) -> str:
    proven = phone_hash(ctx.cipher, PHONE)
    patient_id = ""
    for channel, user in identities:
        view, _ = register_patient(
            ctx,
            name="赵六",
            id_number=valid_id_number(sequence=7),
            phone=PHONE,
            channel=channel,
            channel_user_id=user,
            proven_phone_hash=proven,
        )
        patient_id = view.id
    return patient_id


def _book_and_pay(client: FlaskClient, ctx: ServiceContext, day: date, patient_id: str, channel: str) -> str:
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=2500), day)
    body = {"patient_id": patient_id, "slot_id": slot, "channel": channel}
    held = client.post("/api/v1/appointments", json=body, headers=AUTH).json
    path = str(held["payment"]["pay_link"]).split("127.0.0.1:5000", 1)[1]
    assert client.post(path + "/console").json["outcome"] == "confirmed"
    assert client.post(path + "/console").json["outcome"] == "duplicate"  # the platform's retry
    return str(held["id"])


def _confirmations(ctx: ServiceContext) -> list[tuple[str, str]]:
    with ctx.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "booking_confirmed")).all()
        return [(r.channel, r.recipient_hash) for r in rows]


def _web_sender(app: Flask, client: FlaskClient) -> str:
    """The web identity this browser (the test client's cookies) chats as, as the bot is told it."""
    with fake_rasa(app) as rasa:
        assert client.post("/api/v1/chat", json={"sender": "wpage123", "message": "您好"}).status_code == 200
        [turn] = bot_turns(rasa)
    metadata = turn["metadata"]
    assert isinstance(metadata, dict) and metadata == {"channel": "web"}
    # Rasa knows the page by a pseudonym only; the app maps it back
    channel, _, sender = pseudonyms.conversation_of(app.extensions["hospital"], str(turn["sender"])).partition(":")
    assert channel == "web"
    return sender


def test_a_web_booking_is_confirmed_on_the_page_once(
    app: Flask, client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    sender = _web_sender(app, client)
    patient_id = _patient(ctx, [("wechat", "o-zhao"), ("web", sender)])
    _book_and_pay(client, ctx, clinic_day, patient_id, "web")
    assert _confirmations(ctx) == [("web", ctx.cipher.blind_index(sender, RECIPIENT_CONTEXT))]
    first = client.get("/api/v1/chat/pending?sender=wpage123").json["messages"]
    assert len(first) == 1 and first[0]["kind"] == "notice" and "预约成功" in first[0]["text"]
    assert client.get("/api/v1/chat/pending?sender=wpage123").json["messages"] == []
    assert app.test_client().get("/api/v1/chat/pending?sender=wpage123").json["messages"] == []  # another browser


@pytest.mark.parametrize(("booked_on", "recipient"), [("wechat", "o-zhao"), ("alipay", "2088zhao"), ("sms", PHONE)])
def test_the_confirmation_goes_back_to_the_chat_it_was_booked_from(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date, booked_on: str, recipient: str
) -> None:
    patient_id = _patient(ctx, [("wechat", "o-zhao"), ("alipay", "2088zhao")])
    _book_and_pay(client, ctx, clinic_day, patient_id, booked_on)
    assert _confirmations(ctx) == [(booked_on, ctx.cipher.blind_index(recipient, RECIPIENT_CONTEXT))]


def test_the_delivery_sweep_leaves_web_messages_to_the_page(
    app: Flask, client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    from models import utcnow
    from services.notifications import delivery

    patient_id = _patient(ctx, [("web", _web_sender(app, client))])
    _book_and_pay(client, ctx, clinic_day, patient_id, "web")
    assert delivery.due_ids(ctx, utcnow(), 50) == []
    assert len(client.get("/api/v1/chat/pending?sender=wpage123").json["messages"]) == 1
