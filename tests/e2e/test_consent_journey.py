"""PIPL consent with the real bot (issue 11): the stack's Rasa, action server and
database, behind a web app of its own with PRIVACY_CONSENT_REQUIRED on (the stack's
app runs without it, tests/e2e/conftest.py). A symptom waits for consent and reaches
Rasa's trained model only after "同意"; "删除我的数据" takes the consent with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from services.conversation import consent
from tests.concurrency.server import running_server
from tests.e2e.stack import Stack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


@pytest.fixture(scope="module")
def consenting_app(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {
        "DATABASE_URL": stack.database_url,
        "HOSPITAL_API_TOKEN": stack.token,
        "RASA_URL": stack.rasa_url,
        "PRIVACY_CONSENT_REQUIRED": "true",
    }
    with running_server(env, workers=1, log_dir=Path(tmp_path_factory.mktemp("consenting"))) as url:
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
