"""A replayed, correctly signed SMS "START" changes nothing (issue 11, weakness 8).

Twilio signs no timestamp, so a captured START stays valid forever; before, a
replay after the patient's later STOP subscribed them again.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from integrations.sms.base import normalise_number
from services.context import ServiceContext
from services.conversation import channel_state
from tests.integration.test_channel_sms import PATIENT, client, form, messages, post, sms_app  # noqa: F401 (fixtures)


def test_a_replayed_start_does_not_resubscribe(client: FlaskClient, sms_app: Flask) -> None:  # noqa: F811
    ctx: ServiceContext = sms_app.extensions["hospital"]
    start = form("START")
    assert messages(post(client, start))  # answered the first time
    assert post(client, form("STOP")).status_code == 200
    assert channel_state.is_opted_out(ctx, normalise_number(PATIENT))
    replay = post(client, start)
    assert replay.status_code == 200 and messages(replay) == []
    assert channel_state.is_opted_out(ctx, normalise_number(PATIENT))  # still unsubscribed
