"""An urgent patient on a weekend or holiday is sent where it is open today (the
emergency department or the fever clinic), not to a closed clinic "within 24 hours"."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient

from services.clinical.open_today import urgent_place
from services.context import ServiceContext
from services.hospital_facts import load_facts
from tests.conftest import AUTH

SATURDAY = date(2026, 12, 5)
NATIONAL_DAY = date(2026, 10, 1)
MONDAY = date(2026, 12, 7)
FEVER = "发烧39度两天了，咳嗽"
BLOODY_URINE = "尿痛尿急，尿里有血"


def triage_on(client: FlaskClient, monkeypatch: pytest.MonkeyPatch, day: date, text: str) -> dict[str, object]:
    monkeypatch.setattr("web.api.triage.local_today", lambda: day)  # the clock, nothing else
    response = client.post("/api/v1/triage", json={"text": text}, headers=AUTH)
    assert response.status_code == 200
    return dict(response.json)


def test_on_a_saturday_an_urgent_fever_goes_to_the_fever_clinic(
    client: FlaskClient, ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = triage_on(client, monkeypatch, SATURDAY, FEVER)
    assert answer["level"] == "urgent"
    assert isinstance(answer["departments"], list) and answer["departments"][0] == "fever_clinic"
    advice = str(answer["advice"])
    assert (
        "今天是周六" in advice
        and "发热门诊" in advice
        and load_facts(ctx.settings.hospital_facts_file).fever_clinic_address in advice
    )
    assert "24小时内" not in advice


def test_on_a_holiday_other_urgent_complaints_go_to_the_emergency_department(
    client: FlaskClient, ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = triage_on(client, monkeypatch, NATIONAL_DAY, BLOODY_URINE)
    assert answer["level"] == "urgent" and answer["departments"] == ["emergency", "urology", "nephrology"]
    advice = str(answer["advice"])
    assert "国庆节" in advice and load_facts(ctx.settings.hospital_facts_file).emergency_address in advice
    assert load_facts(ctx.settings.hospital_facts_file).emergency_phone in advice and "泌尿外科" not in advice


def test_on_a_working_day_the_clinic_is_kept(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    answer = triage_on(client, monkeypatch, MONDAY, BLOODY_URINE)
    assert answer["departments"] == ["urology", "nephrology"] and "24小时内" in str(answer["advice"])


@pytest.mark.parametrize("level", ["routine", "self_care", "emergency"])
def test_only_urgent_answers_are_redirected(ctx: ServiceContext, level: str) -> None:
    assert urgent_place(level, FEVER, SATURDAY, ctx.settings) is None
    assert urgent_place("urgent", FEVER, SATURDAY, ctx.settings) is not None
