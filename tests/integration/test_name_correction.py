"""A record whose name was mistyped is corrected through the phone on file (issue 13).

Before: registered as 李明, the patient 李敏 got "姓名与身份证号不一致" for ever. Now the
right name with the same ID number sends a code to the phone on file; typed back, the
record's name is corrected (sealed, audited) and bound to the chat. A wholly different
name still costs nobody an SMS."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from models import AuditEntry
from services.context import ServiceContext
from services.patients.name_fix import a_typo
from tests.clinical_factories import last_code
from tests.conftest import AUTH
from tests.factories import valid_id_number
from tests.integration.test_patient_binding import bound, clock, register, register_with_code, sms_to  # noqa: F401

PHONE = "13911112222"


def test_a_typo_in_the_name_is_corrected_with_the_phone_on_file(
    client: FlaskClient,
    ctx: ServiceContext,
    clock: time_machine.Traveller,  # noqa: F811
) -> None:
    id_number = valid_id_number("19800101")
    first = register_with_code(client, clock, "李明", id_number, PHONE, "openid-first")
    assert first.status_code == 201
    asked = register(client, "李敏", id_number, PHONE, "openid-later")
    assert asked.status_code == 403 and asked.json["error"] == "phone_code_sent"
    assert "李敏" in asked.json["message"] and asked.json["phone"] == "*******2222"
    wrong = register(client, "李敏", id_number, PHONE, "openid-later", code="000000")
    if wrong.status_code != 201:  # a one-in-a-million right guess
        assert wrong.status_code == 422 and bound(client, "openid-later") == []
    right = register(client, "李敏", id_number, PHONE, "openid-later", code=last_code(client, PHONE))
    assert right.status_code == 200 and right.json["name"] == "李敏" and right.json["id"] == first.json["id"]
    assert bound(client, "openid-later") == [first.json["id"]]
    listed = client.get("/api/v1/accounts/patients?channel=wechat&channel_user_id=openid-first", headers=AUTH)
    assert [p["name"] for p in listed.json] == ["李敏"]  # one record, now with the right name
    with ctx.db.reading() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "patient.name_corrected"))
    assert entry is not None and entry.patient_id == first.json["id"] and "李" not in str(entry.detail)


def test_another_name_altogether_costs_no_sms_and_changes_nothing(
    client: FlaskClient,
    clock: time_machine.Traveller,  # noqa: F811
) -> None:
    id_number = valid_id_number("19800101")
    assert register_with_code(client, clock, "陈桂兰", id_number, PHONE, "openid-first").status_code == 201
    clock.shift(timedelta(seconds=61))
    before = sms_to(client, PHONE)
    answer = register(client, "王五", id_number, PHONE, "openid-other")
    assert answer.status_code == 422 and "姓名" in answer.json["message"]
    assert sms_to(client, PHONE) == before and bound(client, "openid-other") == []


@pytest.mark.parametrize(
    ("on_file", "given", "typo"),
    [("李明", "李敏", True), ("欧阳明敏", "欧阳敏", True), ("张三", "张三丰", True), ("陈桂兰", "王五", False),
     ("张三", "李四", False), ("李明", "李明", False)],
)  # fmt: skip
def test_a_typo_is_one_character(on_file: str, given: str, typo: bool) -> None:
    assert a_typo(on_file, given) is typo
