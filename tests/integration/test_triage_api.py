"""`POST /api/v1/triage` speaks the contract of DESIGN.md."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import AUTH

LEVELS = {"emergency", "urgent", "routine", "self_care"}


def triage(client: FlaskClient, **body: object):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/triage", json=body, headers=AUTH)


def test_an_emergency_sends_to_the_emergency_room_first(client: FlaskClient) -> None:
    body = triage(client, text="胸口像压了块石头，疼到左胳膊，一身冷汗").json
    assert body["level"] == "emergency"
    assert body["departments"][0] == "emergency"
    assert body["red_flags"] and "120" in body["advice"]


def test_age_and_pregnancy_fields_change_the_answer(client: FlaskClient) -> None:
    baby = triage(client, text="发烧38.5度", age=0.2).json
    assert baby["level"] == "emergency"
    pregnant = triage(client, text="肚子疼，有点出血", sex="female", pregnant=True).json
    assert pregnant["level"] == "emergency" and "obstetrics" in pregnant["departments"]


@pytest.mark.parametrize("text", ["有点流鼻涕，打喷嚏", "牙疼好几天了", "血压高，想开点降压药"])
def test_every_answer_has_a_level_and_departments(client: FlaskClient, text: str) -> None:
    body = triage(client, text=text).json
    assert body["level"] in LEVELS and body["departments"] and body["advice"]
    assert set(body) == {"level", "departments", "red_flags", "advice", "reasons", "questions"}
    assert body["reasons"], "every understood answer says which rule decided it"


@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": "头疼", "age": -1}, {"text": "头疼", "sex": "other"}, {"text": "头疼", "x": 1}],
)
def test_bad_triage_input_is_a_chinese_422(client: FlaskClient, body: dict[str, object]) -> None:
    response = client.post("/api/v1/triage", json=body, headers=AUTH)
    assert response.status_code == 422 and response.json["error"] == "invalid"


def test_triage_needs_the_service_token(client: FlaskClient) -> None:
    assert client.post("/api/v1/triage", json={"text": "头疼"}).status_code == 401


def test_questions_come_back_and_answers_reassess(client: FlaskClient) -> None:
    first = triage(client, text="胸口疼").json
    question = next(q for q in first["questions"] if q["id"] == "chest_pain_features")
    assert first["level"] == "urgent" and {o["value"] for o in question["options"]} == {"yes", "no"}
    second = triage(client, text="胸口疼", answers={"chest_pain_features": "yes"}).json
    assert second["level"] == "emergency" and second["departments"][0] == "emergency"
    assert second["questions"] == [] and any(r["rule"] == "chest_pain_cardiac" for r in second["reasons"])


def test_reasons_name_the_rule_its_source_and_the_findings(client: FlaskClient) -> None:
    body = triage(client, text="宝宝出生12天，体温38.3").json
    assert body["level"] == "emergency"
    reason = body["reasons"][0]
    assert reason["source"] and reason["findings"]


def test_self_care_answer_says_when_to_come_in(client: FlaskClient) -> None:
    body = triage(client, text="嗓子疼两天了，能吃能喝").json
    assert body["level"] == "self_care" and "如果" in body["advice"] and body["departments"]


@pytest.mark.parametrize(
    "answers",
    [{"no_such_question": "yes"}, {"chest_pain_features": "maybe"}, ["yes"], {"chest_pain_features": 1}],
)
def test_bad_answers_are_a_chinese_422(client: FlaskClient, answers: object) -> None:
    response = triage(client, text="胸口疼", answers=answers)
    assert response.status_code == 422 and response.json["error"] == "invalid"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["message"])
