"""A code is sent even when its row id was used before (issue 13, found through the blind
conversations): on SQLite, once purge() has emptied otp_codes the ids start again at 1,
and the outbox's dedupe key "otp:<id>" dropped the new code as a duplicate of the old one,
so the patient waited for an SMS that never came."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import delete

from models import OtpCode
from services.context import ServiceContext
from tests.clinical_factories import send_otp
from tests.conftest import AUTH
from tests.factories import make_patient

PHONE = "13912345678"


def codes_sent(client: FlaskClient) -> list[str]:
    return [m["text"] for m in client.get(f"/api/v1/dev/outbox?to={PHONE}", headers=AUTH).json if m["kind"] == "otp"]


def test_a_new_code_goes_out_after_the_table_was_emptied(client: FlaskClient, ctx: ServiceContext) -> None:
    make_patient(ctx, name="张三", phone=PHONE)
    assert send_otp(client, PHONE).status_code == 202
    assert len(codes_sent(client)) == 1
    with ctx.db.transaction() as session:  # what purge() does to old codes; the next id is 1 again
        session.execute(delete(OtpCode))
    assert send_otp(client, PHONE).status_code == 202
    sent = codes_sent(client)
    assert len(sent) == 2 and sent[0] != sent[1]
