"""Answering a reminder SMS: "1" confirms and "2" cancels that visit, through
the real Twilio webhook; the same digits without a recent reminder go to the bot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from models import Slot
from services.booking import holds, queries
from services.context import ServiceContext
from services.notifications import delivery as notifications
from services.notifications import reminders
from tests.conftest import settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot
from tests.fakes.channels import bot_turns, fake_rasa
from tests.fakes.http_server import FakeServer
from tests.integration.test_channel_sms import AUTH_TOKEN, PUBLIC, form, messages, post


@pytest.fixture
def sms_app(database_url: str) -> Iterator[Flask]:
    app = create_app(settings_for(database_url, twilio_auth_token=AUTH_TOKEN, public_base_url=PUBLIC))
    yield app
    app.extensions["hospital"].db.dispose()


@pytest.fixture
def rasa(sms_app: Flask) -> Iterator[FakeServer]:
    with fake_rasa(sms_app) as server:
        yield server


@pytest.fixture
def reminded(sms_app: Flask, clinic_day: date) -> Iterator[str]:
    """A confirmed visit whose evening-before reminder SMS went out to +8613512345678;
    the clock then stands 12 hours before the visit (between the reminder and the cut-off)."""
    ctx: ServiceContext = sms_app.extensions["hospital"]
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=0), clinic_day)
    appointment = holds.book(ctx, patient_id=make_patient(ctx, phone="13512345678"), slot_id=slot).appointment["id"]
    with ctx.db.transaction() as session:
        assert reminders.queue_for_appointment(ctx, session, appointment) >= 1
        start = session.get(Slot, slot).start_at  # type: ignore[union-attr]
    with time_machine.travel(start - timedelta(hours=12), tick=False):
        assert notifications.deliver_due(ctx, sms_app.extensions["hospital"].senders) >= 1
        yield appointment


def test_two_cancels_the_reminded_visit_once(sms_app: Flask, rasa: FakeServer, reminded: str) -> None:
    client: FlaskClient = sms_app.test_client()
    fields = form("2")
    assert "取消" in messages(post(client, fields))[0]
    assert post(client, fields).status_code == 200  # Twilio's retry: nothing happens twice
    ctx: ServiceContext = sms_app.extensions["hospital"]
    assert queries.get_appointment(ctx, reminded)["status"] == "cancelled"
    assert bot_turns(rasa) == []


def test_one_confirms_without_changing_the_visit(sms_app: Flask, rasa: FakeServer, reminded: str) -> None:
    assert "已确认" in messages(post(sms_app.test_client(), form("1")))[0]
    ctx: ServiceContext = sms_app.extensions["hospital"]
    assert queries.get_appointment(ctx, reminded)["status"] == "confirmed"
    assert bot_turns(rasa) == []


def test_a_digit_without_a_recent_reminder_goes_to_the_bot(sms_app: Flask, rasa: FakeServer) -> None:
    post(sms_app.test_client(), form("2"))
    assert [turn["message"] for turn in bot_turns(rasa)] == ["2"]
