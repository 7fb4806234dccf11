"""The triage interview reaches a level whatever the NLU makes of an answer (set 5, issue 13).

G23: a mother said "我屋里崽崽三岁，烧了三天了" and was still asked the child's age; her answer
"吃了退烧药能退下来，退了就蛮有精神" was read as a cancellation and she was asked for a phone.
G24: a bite said "拄才" (Hokkien: just now) was asked how long, and "狗有没有打针我毋知" and
"明仔载再去可以吗" (read as out of scope) met the menu; no level was ever said. The cases
are in the patients' words and in variants of our own."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.triage import ValidateTriageForm
from actions.triage_answers import asks_for_advice, stated_duration
from tests.actions.helpers import make_tracker, slot_events


def started(text: str) -> list[dict[str, Any]]:
    return [
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "report_symptom"}, "entities": []}},
        {"event": "action", "name": "action_reset_journey"},
        {"event": "action", "name": "triage_form"},
        {"event": "active_loop", "name": "triage_form"},
    ]


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("我屋里崽崽三岁，烧了三天了，昨晚上烧到39度2", 3.0),  # G23
        ("我闺女5岁，咳嗽两天了", 5.0),
        ("宝宝8个月大，拉肚子一天了", 0.7),
    ],
)
async def test_an_age_said_with_the_complaint_is_not_asked(domain: dict, text: str, age: float) -> None:
    tracker = make_tracker(text=text, intent="report_symptom", slots={"symptom": text}, events=started(text))
    extracted = await ValidateTriageForm().extract_age(CollectingDispatcher(), tracker, domain)
    assert float(extracted["age"]) == age


async def test_no_age_is_made_up_from_a_duration(domain: dict) -> None:
    text = "咳嗽三天了，晚上更厉害"
    tracker = make_tracker(text=text, intent="report_symptom", slots={"symptom": text}, events=started(text))
    assert await ValidateTriageForm().extract_age(CollectingDispatcher(), tracker, domain) == {}


@pytest.mark.parametrize(
    ("text", "intent", "asked"),
    [
        ("吃了退烧药能退下来，退了就蛮有精神，还在床上跳", "cancel_appointment", "age"),  # G23
        ("狗有没有打针我毋知，厝边讲伊的狗真乖", "out_of_scope", "duration"),  # G24
        ("烧退了又起来，反反复复的", "cancel_appointment", "duration"),
        ("他说不清楚，一直哼哼", "nlu_fallback", "age"),
        ("阮无吃抗凝血的药", "request_refill", "age"),  # set 10's L38: no refill, an answer
        ("平时吃降压药 别的没有", "request_refill", "duration"),
    ],
)
async def test_an_answer_the_nlu_took_for_another_errand_is_still_the_answer(
    domain: dict, text: str, intent: str, asked: str
) -> None:
    complaint = "拄才乎厝边的狗咬一下，在脚骨这里，有破皮流一点血"
    tracker = make_tracker(
        text=text,
        intent=intent,
        slots={"symptom": complaint, "requested_slot": asked, "duration": "拄才" if asked == "age" else None},
        events=started(complaint),
        active_loop="triage_form",
    )
    form = ValidateTriageForm()
    extract = form.extract_age if asked == "age" else form.extract_duration
    assert await extract(CollectingDispatcher(), tracker, domain) == {asked: text}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我不看了，帮我取消预约", "cancel_appointment"),
        ("转人工", "out_of_scope"),
        ("查一下我的报告", "query_appointment"),
        ("降压药快吃完了 帮我续个方", "request_refill"),
        ("顺便再开点药", "request_refill"),
    ],
)
async def test_a_plain_errand_at_the_interview_is_no_answer(domain: dict, text: str, intent: str) -> None:
    complaint = "咳嗽三天了"
    tracker = make_tracker(
        text=text,
        intent=intent,
        slots={"symptom": complaint, "requested_slot": "age", "duration": "三天了"},
        events=started(complaint),
        active_loop="triage_form",
    )
    assert await ValidateTriageForm().extract_age(CollectingDispatcher(), tracker, domain) == {}


async def test_whether_it_can_wait_ends_the_interview_with_advice(domain: dict) -> None:
    """G24's last message: the questions still open are answered unknown, the level comes now."""
    complaint = "拄才乎厝边的狗咬一下，在脚骨这里，有破皮流一点血"
    tracker = make_tracker(
        text="明仔载再去可以吗？今仔日真无闲",
        intent="out_of_scope",
        slots={"symptom": complaint, "requested_slot": "age", "duration": "拄才"},
        events=started(complaint),
        active_loop="triage_form",
    )
    slots = slot_events(await ValidateTriageForm().run(CollectingDispatcher(), tracker, domain))
    assert slots["requested_slot"] is None and slots["age"] == "unknown"


@pytest.mark.parametrize(
    "text",
    [
        "明仔载再去可以吗？今仔日真无闲",  # G24, Hokkien
        "今天要带去医院不咯，还是再看看",  # G23, Hunan
        "自家屋里热敷一记好伐？要勿要跑医院",  # G17, Shanghainese
        "过两天再去行不行",
        "要不要带孩子去医院",
    ],
)
def test_asking_whether_to_go_is_asking_for_the_advice(text: str) -> None:
    assert asks_for_advice(text)


@pytest.mark.parametrize("text", ["血已经止了，我用水冲过了", "狗有没有打针我毋知", "再去看看吧"])
def test_details_are_no_request_for_advice(text: str) -> None:
    assert not asks_for_advice(text)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("拄才乎厝边的狗咬一下，在脚骨这里", "拄才"),  # G24, Hokkien
        ("今朝早浪向起来头颈僵牢了", "今朝早浪向起来"),  # G17, Shanghainese
        ("刚才切菜把手划了", "刚才"),
        ("头先跌咗一跤", "头先"),
    ],
)
def test_just_now_and_this_morning_are_durations(text: str, span: str) -> None:
    assert stated_duration(text) == span


async def test_an_age_cleared_by_a_new_journey_is_no_answer_to_refuse(domain: dict) -> None:
    """G19's "那我应该挂哪个科" after the advice started the interview again; the age the reset
    cleared was validated as an empty answer: "“”我没看出是多大年纪"."""
    complaint = "身上起了好多红疙瘩特别痒"
    tracker = make_tracker(text="那我应该挂哪个科", intent="report_symptom", events=started(complaint))
    dispatcher = CollectingDispatcher()
    assert await ValidateTriageForm().validate_age(None, dispatcher, tracker, domain) == {"age": None}
    assert dispatcher.messages == []


async def test_an_unknown_age_kept_from_the_interview_stays_unknown(domain: dict) -> None:
    complaint = "身上起了好多红疙瘩特别痒"
    tracker = make_tracker(text="那我应该挂哪个科", intent="report_symptom", events=started(complaint))
    dispatcher = CollectingDispatcher()
    assert await ValidateTriageForm().validate_age("unknown", dispatcher, tracker, domain) == {"age": "unknown"}
    assert dispatcher.messages == []
