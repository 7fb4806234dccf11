"""PIPL consent with the real bot (issue 11): the stack's Rasa, action server and
database, behind a web app of its own with PRIVACY_CONSENT_REQUIRED on (the stack's
app runs without it, tests/e2e/conftest.py). A symptom waits for consent and reaches
Rasa's trained model only after "同意"; "删除我的数据" takes the consent with it. An SMS
patient's answer to the question creates the chat account: the PII scan then finds no
plaintext phone anywhere, `channel_identities` included."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from services.conversation import consent
from tests.concurrency.server import free_port, running_server
from tests.e2e.pii_check import Stores, personal_data_left
from tests.e2e.stack import TWILIO_TOKEN, Stack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


@pytest.fixture(scope="module")
def consenting_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("consenting"))


@pytest.fixture(scope="module")
def consenting_app(stack: Stack, consenting_logs: Path) -> Iterator[str]:
    port = free_port()  # its own address, which Twilio's signatures name
    env = {
        "DATABASE_URL": stack.database_url,
        "HOSPITAL_API_TOKEN": stack.token,
        "RASA_URL": stack.rasa_url,
        "PRIVACY_CONSENT_REQUIRED": "true",
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "RASA_TRACKER_STORE_URL": stack.tracker_url,
    }
    with running_server(env, workers=1, log_dir=consenting_logs, port=port) as url:
        yield url


def _say(browser: requests.Session, url: str, text: str) -> list[str]:
    response = browser.post(f"{url}/api/v1/chat", json={"sender": "consent-e2e", "message": text}, timeout=60)
    response.raise_for_status()
    return [str(m["text"]) for m in response.json()["messages"]]


def test_a_symptom_reaches_the_real_bot_only_after_consent(consenting_app: str) -> None:
    browser = requests.Session()
    ask = str(consent.wording()["ask"])
    assert _say(browser, consenting_app, "我头疼三天了") == [ask]
    agreed = _say(browser, consenting_app, "同意")
    assert agreed[0] == consent.wording()["agreed_go_on"]
    answered = agreed[1:]  # the held complaint answered with the thanks: not typed again
    assert answered and ask not in answered
    assert not any("系统有点忙" in text for text in answered)  # the trained model answered, not the apology
    deleted = _say(browser, consenting_app, "删除我的数据")
    assert "已删除" in deleted[0]
    assert _say(browser, consenting_app, "我头疼三天了") == [ask]  # the consent went with the data


def test_an_sms_patients_consent_leaves_no_plaintext_phone_anywhere(
    stack: Stack, consenting_app: str, consenting_logs: Path
) -> None:
    """By SMS the chat account is the patient's phone: answering the question creates it, sealed."""
    texting, phone = replace(stack, app_url=consenting_app), "+8613612345671"
    assert "回复1 同意" in texting.sms(phone, "我头疼三天了")
    agreed = texting.sms(phone, "1")
    assert "谢谢您的同意" in agreed and "系统有点忙" not in agreed  # the held complaint reached the real bot
    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as db:
        identities = db.execute("SELECT * FROM channel_identities WHERE channel = 'sms'").fetchall()
    assert len(identities) == 1 and "13612345671" not in str(identities)
    assert stack.directory is not None
    logs = tuple(sorted([*stack.directory.glob("*.log"), *consenting_logs.glob("*.log")]))
    assert personal_data_left(Stores(stack.database_url, stack.tracker_url, stack.broker_url, logs)) == []
