"""Details told right after a triage answer go back to triage, not as a "no" to its offer
(conversation set 14's X38, tuning material): after "建议您24小时内尽快看医生…" and "要我帮您预约
骨科吗？" the patient added "没摔过 也不肿", the NLU read a deny and the bot said "还有别的需要帮忙
吗？". The edge now sends such words as ``/report_symptom`` with the words as typed, so the
actions weigh them with the complaint and offer the booking again; a plain no, a yes and an
errand go on as typed, and a red flag added as a "detail" is still a 120 answer first.
X38's words, our own wordings, dialect and traditional look-alikes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from integrations.rasa.client import DialogueEngine, RasaUnavailable, TranscriptLine, Turn
from services.clinical.triage import default_engine
from services.clinical.triage.edge import emergency_hits
from services.conversation import turns
from services.conversation.triage_details import after_triage_answer, tells_detail

OFFER = "要我帮您预约骨科吗？"
URGENT = "建议您24小时内尽快看医生，推荐科室：骨科、风湿免疫科。您的情况需要尽快看医生…"
SAME = "您补充的情况我都考虑进去了，判断和刚才一样，上面的建议不变。"


class _Engine(DialogueEngine):
    def __init__(self, last: str = OFFER, down: bool = False) -> None:
        self.last, self.down, self.asks = last, down, 0

    def send(self, sender: str, text: str, metadata: dict[str, Any]) -> Turn:
        raise AssertionError("not sent here")

    def set_slot(self, sender: str, name: str, value: object) -> None:
        pass

    def transcript(self, sender: str, limit: int = 60) -> list[TranscriptLine]:
        self.asks += 1
        if self.down:
            raise RasaUnavailable("down")
        return [TranscriptLine("me", "六十八了"), TranscriptLine("bot", URGENT), TranscriptLine("bot", self.last)]


def _message(text: str) -> turns.InboundMessage:
    return turns.InboundMessage(channel="web", sender="s1", text=text)


DETAILS = [
    "没摔过 也不肿",  # X38
    "不发烧",
    "没有吐",
    "不疼了",
    "还有点咳嗽",
    "一点都不疼了",
    "已经好多了",
    "越来越疼",
    "半年多了",
    "膝盖没红没烫",
    "晚上疼得睡不着",
    "先不用 没摔过也不肿",  # declined, but with details: they are weighed first
    "沒摔過 也不腫",  # traditional
    "冇跌過 亦唔腫",  # Cantonese
    "冇發燒",
    "没得摔过 也莫得肿",  # Southwestern Mandarin
    "呒没跌跤 也勿肿",  # Wu
]
PLAIN_ANSWERS = [
    "不用了",
    "先不用",
    "不要",
    "算了",
    "2",
    "不需要",
    "暂时不用",
    "不用了 谢谢",
    "先不用了，我自己去",
    "不用麻烦了",
    "没有",
    "唔使喇",
    "甭约了",
    "好的",
    "好 帮我约",
    "1",
    "没事了",
    "我要取消预约",
    "/deny",
]


@pytest.mark.parametrize("text", DETAILS)
def test_a_detail_after_the_offer_goes_to_triage_with_the_words(text: str) -> None:
    assert tells_detail(text)
    got = turns._details_after_triage(_Engine(), "r1", _message(text))
    assert got.text.startswith("/report_symptom")
    assert json.loads(got.text[len("/report_symptom") :]) == {"symptom": text}
    assert got.metadata["typed"] == text


@pytest.mark.parametrize(
    "last", [OFFER, "要我帮您预约儿科吗？", URGENT, SAME, "目前看情况不太严重，可以先在家观察休息。"]
)
def test_right_after_any_triage_answer(last: str) -> None:
    assert turns._details_after_triage(_Engine(last), "r1", _message("没摔过 也不肿")).text.startswith(
        "/report_symptom"
    )


@pytest.mark.parametrize("text", PLAIN_ANSWERS)
def test_a_plain_no_a_yes_or_an_errand_goes_on_as_typed(text: str) -> None:
    engine = _Engine()
    assert not tells_detail(text)
    assert turns._details_after_triage(engine, "r1", _message(text)).text == text
    assert engine.asks == 0  # the words alone decide: the tracker is not read


@pytest.mark.parametrize(
    "last", ["还有别的需要帮忙吗？", "想约哪一天？", "⚠️ 这可能很危险，请马上拨打120，或立刻去最近医院的急诊科！", ""]
)
def test_the_same_words_elsewhere_go_on_as_typed(last: str) -> None:
    assert not after_triage_answer([last] if last else [])
    assert turns._details_after_triage(_Engine(last), "r1", _message("没摔过 也不肿")).text == "没摔过 也不肿"


def test_rasa_down_leaves_the_words_as_typed() -> None:
    assert turns._details_after_triage(_Engine(down=True), "r1", _message("不发烧")).text == "不发烧"


@pytest.mark.parametrize("text", ["没摔过 但是刚才晕过去了", "不发烧 就是胸口压着疼", "沒摔過 但是剛才暈倒了"])
def test_an_emergency_told_as_a_detail_is_a_red_flag_first(text: str) -> None:
    """handle_message reads the red flags before anything else (turns.py), so such a
    "detail" is answered with 120 and never reaches the re-routing."""
    assert emergency_hits(default_engine(), text)


def test_the_triage_answers_are_recognised_as_the_domain_words_them() -> None:
    """bot/domain.yml's level and offer responses, and the actions' own texts (actions/triage.py
    SAME_ANSWER, actions/triage_followup.py LEAD), read from their files (this venv has no
    rasa-sdk): a rewording there would otherwise silently end this re-routing."""
    root = Path(__file__).resolve().parents[2]
    responses = yaml.safe_load((root / "bot" / "domain.yml").read_text(encoding="utf-8"))["responses"]
    filled = {"departments": "骨科", "advice": "", "department_name": "骨科"}
    for name in ("utter_triage_offer_booking", "utter_triage_urgent", "utter_triage_routine", "utter_triage_self_care"):
        for variation in responses[name]:
            assert after_triage_answer([str(variation["text"]).format(**filled)]), name
    assert not after_triage_answer([str(v["text"]) for v in responses["utter_triage_emergency"]])
    for path, name in (("actions/triage.py", "SAME_ANSWER"), ("actions/triage_followup.py", "LEAD")):
        found = re.search(rf'^{name} = "([^"]+)"', (root / path).read_text(encoding="utf-8"), re.MULTILINE)
        assert found and after_triage_answer([found.group(1)]), name
