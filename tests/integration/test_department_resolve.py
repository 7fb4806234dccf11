"""GET /api/v1/departments/resolve: the bot's booking form asks the same resolver the
triage router uses (issue 13: "皮服科", "内分秘科", "皮膚科", "看心脏的" were unknown there)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import AUTH


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("挂皮服科", "dermatology"),
        ("预约 内分秘科", "endocrinology"),
        ("您好，我想預約皮膚科", "dermatology"),
        ("耳鼻猴科", "ent"),
        ("我想挂个号 看心脏的", "cardiology"),
        ("明天上午", None),
    ],
)
def test_words_name_a_department(client: FlaskClient, text: str, code: str | None) -> None:
    answer = client.get("/api/v1/departments/resolve", query_string={"text": text}, headers=AUTH)
    assert answer.status_code == 200 and answer.json == {"code": code}


def test_too_long_is_refused_in_chinese(client: FlaskClient) -> None:
    answer = client.get("/api/v1/departments/resolve", query_string={"text": "心" * 201}, headers=AUTH)
    assert answer.status_code in (400, 422) and "科室" in answer.json["message"]
    assert client.get("/api/v1/departments/resolve", query_string={"text": "心内科"}).status_code == 401
