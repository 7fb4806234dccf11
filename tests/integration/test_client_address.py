"""The real client address behind proxies, and limits that never cost a patient the
120 advice (issue 11, weakness 3 and the limiter half of 6).

Before: no ProxyFix, so behind the documented reverse proxy every patient
shared the proxy's bucket (one script got everyone a 429) and twenty wrong
staff passwords from anywhere locked every staff member out; a chest-pain
message over the limit got a 429; with Redis down the limiter raised a 500.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.conftest import settings_for
from tests.console_helpers import PASSWORD, audit_actions, csrf_token, make_staff

CHEST_PAIN = "我胸口压着疼，喘不上气，出冷汗"


def chat(client: FlaskClient, text: str, sender: str = "web-a", ip: str | None = None) -> int:
    headers = {"X-Forwarded-For": ip} if ip else {}
    return client.post("/api/v1/chat", json={"sender": sender, "message": text}, headers=headers).status_code


def make_app(database_url: str, **overrides: object) -> Flask:
    # the chat's own per-address limit only: a lower RATELIMIT_DEFAULT would outlive this app in
    # the process-wide limiter and refuse other tests' pages
    return create_app(settings_for(database_url, rate_limit_chat_per_ip="2/minute", **overrides))


@pytest.fixture
def proxied(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url, trusted_proxy_count=1)
    yield app
    app.extensions["hospital"].db.dispose()


def test_behind_one_proxy_each_patient_has_their_own_bucket(proxied: Flask) -> None:
    client = proxied.test_client()
    assert [chat(client, "你好", f"s{n}", ip="203.0.113.7") for n in range(3)] == [200, 200, 429]
    assert chat(client, "你好", "s9", ip="198.51.100.20") == 200  # another patient is not blocked


def test_without_trusted_proxies_a_forged_header_escapes_nothing(database_url: str) -> None:
    app = make_app(database_url)
    client = app.test_client()
    assert [chat(client, "你好", f"s{n}", ip=f"203.0.113.{n}") for n in range(3)] == [200, 200, 429]
    app.extensions["hospital"].db.dispose()


def test_red_flag_advice_answers_over_every_limit(proxied: Flask) -> None:
    client = proxied.test_client()
    for n in range(3):
        chat(client, "你好", f"s{n}", ip="203.0.113.7")
    assert chat(client, "你好", "s1", ip="203.0.113.7") == 429
    answer = client.post(
        "/api/v1/chat", json={"sender": "s1", "message": CHEST_PAIN}, headers={"X-Forwarded-For": "203.0.113.7"}
    )
    assert answer.status_code == 200 and "120" in answer.json["messages"][0]["text"]


def test_staff_lockout_keys_on_the_real_address(proxied: Flask) -> None:
    ctx = proxied.extensions["hospital"]
    secret = make_staff(ctx, "nurse", "support")
    attacker, nurse = proxied.test_client(), proxied.test_client()
    for n in range(21):
        attacker.post(
            "/console/login",
            data={"csrf_token": csrf_token(attacker), "username": f"guess{n}", "password": "x", "code": "000000"},
            headers={"X-Forwarded-For": "203.0.113.66"},
        )
    answer = nurse.post(
        "/console/login",
        data={
            "csrf_token": csrf_token(nurse),
            "username": "nurse",
            "password": PASSWORD,
            "code": pyotp.TOTP(secret).now(),
        },
        headers={"X-Forwarded-For": "198.51.100.5"},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    logins = [e.detail or "" for e in audit_actions(ctx) if e.action == "staff.login"]
    assert logins and "198.51.100.5" in logins[-1]  # the audit keeps the real address, not the proxy's


def test_a_limiter_store_outage_falls_back_instead_of_a_500(database_url: str) -> None:
    app = make_app(database_url, redis_url="redis://127.0.0.1:1/0")
    client = app.test_client()
    assert chat(client, "你好") == 200
    assert chat(client, CHEST_PAIN) == 200
    app.extensions["hospital"].db.dispose()


def test_a_red_flag_on_a_platform_channel_passes_the_per_sender_limit(database_url: str) -> None:
    from tests.fakes.channels import fake_rasa
    from tests.integration.test_channel_wechat import TOKEN, post, text_xml

    app = create_app(settings_for(database_url, wechat_token=TOKEN, rate_limit_channel_per_sender="2/minute"))
    client = app.test_client()
    with fake_rasa(app):
        statuses = [post(client, text_xml("你好", msg_id=f"m{i}")).status_code for i in range(3)]
        urgent = post(client, text_xml(CHEST_PAIN, msg_id="m-urgent"))
    assert statuses == [200, 200, 429]
    assert urgent.status_code == 200 and "120" in urgent.get_data(as_text=True)
    app.extensions["hospital"].db.dispose()


def test_a_platform_channel_answers_with_the_limiter_store_down(database_url: str) -> None:
    from tests.fakes.channels import fake_rasa
    from tests.integration.test_channel_wechat import TOKEN, post, text_xml

    app = create_app(settings_for(database_url, wechat_token=TOKEN, redis_url="redis://127.0.0.1:1/0"))
    with fake_rasa(app):
        assert post(app.test_client(), text_xml("你好", msg_id="m-1")).status_code == 200
    app.extensions["hospital"].db.dispose()
