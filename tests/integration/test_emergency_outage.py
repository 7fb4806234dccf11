"""Emergency advice survives a database outage (issue 11, weakness 6).

Before: the message was stored before the red-flag check, so with the
database down a patient typing chest pain got "系统繁忙" instead of 120.
"""

from __future__ import annotations

from sqlalchemy import select

from app import create_app
from models import ConversationMessage
from tests.conftest import settings_for

CHEST_PAIN = "我胸口压着疼，喘不上气，出冷汗"


def test_chest_pain_gets_the_120_advice_with_the_database_down() -> None:
    down = "postgresql://hospital@127.0.0.1:1/hospital?connect_timeout=2"  # nothing listens: every connection fails
    app = create_app(settings_for(down))
    client = app.test_client()
    answer = client.post("/api/v1/chat", json={"message": CHEST_PAIN})
    assert answer.status_code == 200 and "120" in answer.json["messages"][0]["text"]
    ordinary = client.post("/api/v1/chat", json={"message": "你好"})
    # a lost database is a 503 with Retry-After since b898d97 (web/database_errors.py), never a trace
    assert ordinary.status_code == 503 and "Traceback" not in ordinary.get_data(as_text=True)
    app.extensions["hospital"].db.dispose()


def test_with_the_database_up_the_emergency_is_still_kept(client, ctx) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/chat", json={"message": CHEST_PAIN}).status_code == 200
    with ctx.db.reading() as session:
        assert list(session.scalars(select(ConversationMessage.status))) == ["emergency"]
