"""The chat edge answers an emergency that only the whole assessment sees, before consent
and before the bot (services/clinical/triage/edge.py).

The engine here is the real one with every red-flag rule and emergency safety net
taken out, so whatever it calls an emergency comes from the symptom scoring and the
learned layer: the test shows the edge acts on those, not on a rule that happens to
match. Rasa is a local server speaking its REST protocol; the database is real."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from integrations.rasa.client import RasaRestClient
from models import ConversationMessage
from services.clinical.triage import TriageEngine, TriageInput, TriageLevel, TriageResult
from services.clinical.triage.edge import emergency_hits, worth_assessing
from services.clinical.triage.knowledge import DEFAULT_DATA_DIR, load
from services.context import ServiceContext
from services.conversation import consent, emergency
from services.conversation.turns import InboundMessage, handle_message
from tests.conftest import settings_for
from tests.fakes.http_server import FakeServer, Recorded, fake_server

CRISIS = "我真的撑不下去了 现在就站在江边的桥上"
POISONED = "孩子拿着洁厕灵的瓶子喝了一口 嘴巴里面红了"


@pytest.fixture(scope="module")
def rules_removed() -> TriageEngine:
    """The shipped knowledge without its red flags and emergency nets, learned layer on."""
    knowledge = load(DEFAULT_DATA_DIR)
    nets = tuple(net for net in knowledge.nets.nets if net.spec.level is not TriageLevel.EMERGENCY)
    engine = TriageEngine(replace(knowledge, red_flags=(), nets=replace(knowledge.nets, nets=nets)), learned=True)
    engine.warm_up()
    return engine


def _bot(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        return 200, [{"recipient_id": "x", "text": "好的，再见，祝您身体健康"}]
    if "/tracker" in request.path and request.method == "GET":
        return 200, {"slots": {}, "latest_message": {"intent": {"name": "greet", "confidence": 0.99}}}
    return 200, {}


@pytest.fixture
def ctx(database_url: str, tmp_path: Path) -> Iterator[ServiceContext]:
    settings = settings_for(
        database_url, privacy_consent_required=True, rasa_tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}"
    )
    application: Flask = create_app(settings)
    yield application.extensions["hospital"]
    application.extensions["hospital"].db.dispose()


@pytest.fixture
def rasa() -> Iterator[FakeServer]:
    with fake_server(_bot) as server:
        yield server


def say(ctx: ServiceContext, rasa: FakeServer, engine: TriageEngine, text: str) -> list[str]:
    dialogue = RasaRestClient(rasa.url, timeout=1.0)
    return [reply.text for reply in handle_message(ctx, dialogue, engine, InboundMessage("web", "p1", text))]


def to_the_bot(rasa: FakeServer) -> list[str]:
    return [r.json()["message"] for r in rasa.requests if r.path.startswith("/webhooks")]


@pytest.mark.parametrize("text", [CRISIS, POISONED])
def test_an_emergency_no_rule_names_gets_120_before_consent_and_before_the_bot(
    ctx: ServiceContext, rasa: FakeServer, rules_removed: TriageEngine, text: str
) -> None:
    assert rules_removed.red_flags(text) == []  # no rule is left to fire
    [reply] = say(ctx, rasa, rules_removed, text)
    assert "120" in reply and "急诊" in reply
    assert consent.wording()["ask"] != reply
    assert to_the_bot(rasa) == []
    [event] = [r.json() for r in rasa.requests if "/tracker/events" in r.path]
    assert event == {"event": "slot", "name": "triage_level", "value": "emergency"}
    with ctx.db.reading() as session:
        assert session.scalars(select(ConversationMessage.status)).all() == ["emergency"]


def test_the_conversation_stays_in_its_emergency_journey_afterwards(
    ctx: ServiceContext, rasa: FakeServer, rules_removed: TriageEngine
) -> None:
    say(ctx, rasa, rules_removed, CRISIS)
    state = emergency.current(ctx, rules_removed, "web:p1")
    assert state is not None and state.hits[0].label == "综合判断"
    later = say(ctx, rasa, rules_removed, "好的谢谢，我再想想，拜拜")
    assert not any(emergency.GOODBYE.search(text) for text in later)
    assert any("120" in text for text in later)


@pytest.mark.parametrize("text", ["两天", "王秀英", "明天上午", "/affirm", "头有点疼，想挂个号看看"])
def test_form_answers_and_mild_complaints_are_not_emergencies(rules_removed: TriageEngine, text: str) -> None:
    assert emergency_hits(rules_removed, text) == []


def test_short_form_answers_are_not_assessed_but_complaints_and_long_messages_are() -> None:
    assert not worth_assessing("两天")
    assert not worth_assessing("/inform")
    assert worth_assessing("胸口疼")  # a complaint, however short
    assert worth_assessing("我妈今天早上起来以后一直不太对劲，叫她也不怎么理人")


class BrokenAssessment(TriageEngine):
    def assess(self, data: TriageInput) -> TriageResult:
        raise RuntimeError("learned layer broke")


def test_a_failing_assessment_leaves_the_rules_answering(rules_removed: TriageEngine) -> None:
    shipped = load(DEFAULT_DATA_DIR)
    broken = BrokenAssessment(shipped)
    # Despair with no place or means named: the rules do not name it (CRISIS, on a bridge, is now a
    # rule of its own, suicide_despair_with_means), only the whole assessment would; nothing raised.
    assert emergency_hits(broken, "我真的撑不下去了 现在一个人在外面") == []
    assert [hit.id for hit in emergency_hits(broken, "我爸胸口压着疼，一直出冷汗")]  # a rule still answers


class CountingAssessment(TriageEngine):
    """The real engine, counting whole assessments (and failing the first when asked)."""

    def __init__(self, *args: object, fail_first: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.assessed, self.fail_first = 0, fail_first

    def assess(self, data: TriageInput) -> TriageResult:
        self.assessed += 1
        if self.fail_first and self.assessed == 1:
            raise RuntimeError("learned layer broke once")
        return super().assess(data)


def test_a_message_is_assessed_once_however_often_the_edge_asks(rules_removed: TriageEngine) -> None:
    counting = CountingAssessment(rules_removed.knowledge)
    counting.learned = rules_removed.learned  # the trained layer, not a second training
    first, again = emergency_hits(counting, CRISIS), emergency_hits(counting, CRISIS)
    assert first == again and first[0].label == "综合判断"
    assert counting.assessed == 1


def test_a_failed_assessment_is_not_remembered(rules_removed: TriageEngine) -> None:
    flaky = CountingAssessment(rules_removed.knowledge, fail_first=True)
    flaky.learned = rules_removed.learned
    assert emergency_hits(flaky, POISONED) == []  # the failure: the rules alone, which are silent
    assert emergency_hits(flaky, POISONED)[0].label == "综合判断"  # assessed again, not the failure
    assert flaky.assessed == 2
