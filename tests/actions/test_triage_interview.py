"""The triage interview always reaches a level (blind set 3, E16-E24).

Each case is in a patient's words from set 3 (tuning material) and in variants of our
own: the complaint said before the consent question, "得有俩月了", "宝宝一岁半",
"需要去醫院嗎" at the age question, an answer that is no age, "五十一" as words.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.general import ActionResetJourney
from actions.triage import AGE_LEFT_OUT, UNKNOWN, ActionTriage, ValidateTriageForm, triage_text
from actions.triage_answers import (
    answer_age,
    asks_for_advice,
    describes_complaint,
    is_bare_age,
    says_dont_know,
    stated_age,
    stated_duration,
)
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events


def said(text: str, intent: str = "inform", entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": entities or []}}


def started(text: str) -> list[dict[str, Any]]:
    """A triage journey begun by ``text`` (the reset follows the message that starts it)."""
    return [
        said(text, "report_symptom"),
        {"event": "action", "name": "action_reset_journey"},
        {"event": "action", "name": "triage_form"},
        {"event": "active_loop", "name": "triage_form"},
    ]


# --- reading the answers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("俺这心口窝老是烧得慌，反酸水，得有俩月了", "俩月了"),
        ("最近两个月一直睡不好", "两个月"),
        ("一个钟头前", "一个钟头前"),
        ("咳嗽有仨礼拜了", "仨礼拜了"),
        ("頭痛兩個星期了", "两个星期了"),
        ("腰疼这半年", "半年"),
    ],
)
def test_durations_said_plainly_are_read(text: str, span: str) -> None:
    assert stated_duration(text) == span


@pytest.mark.parametrize("text", ["宝宝8个月，发烧", "孩子3岁", "昨天第一次去健身房练腿", "伤口很浅，大概半公分"])
def test_no_duration_is_read_from_an_age_or_other_words(text: str) -> None:
    assert stated_duration(text) is None


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("宝宝一岁半，发烧两天了，最高39.2", 1.5),
        ("我妈63岁，膝盖疼", 63),
        ("孩子8个月大，拉肚子", 0.7),
        ("我今年35，最近老失眠", 35),
        ("寶寶兩歲，咳嗽", 2),
    ],
)
def test_an_age_said_with_the_complaint_is_read(text: str, age: float) -> None:
    assert stated_age(text) == age


@pytest.mark.parametrize("text", ["发烧两天了，最高39.2", "咳嗽两个月了", "一直咳嗽"])
def test_no_age_is_read_from_a_duration_or_a_temperature(text: str) -> None:
    assert stated_age(text) is None


@pytest.mark.parametrize(
    ("text", "age"),
    [("五十一", 51), ("72岁", 72), ("5个月", 0.4), ("八十多", 80), ("我妈今年63", 63), ("四十二", 42)],
)
def test_answers_to_the_age_question(text: str, age: float) -> None:
    assert answer_age(text) == age


@pytest.mark.parametrize(
    "text", ["一直咳嗽", "精神还行，能玩，就是吃得少", "没吐过血，解手也不黑", "去年打過破傷風", "两天"]
)
def test_other_answers_at_the_age_question_are_no_age(text: str) -> None:
    assert answer_age(text) is None


def test_bare_ages_are_told_from_words() -> None:
    assert all(is_bare_age(t) for t in ["五十一", "72岁", "35", "三岁半", "今年35了"])
    assert not any(is_bare_age(t) for t in ["39.2", "没抽过", "五十一岁那年摔过"])


@pytest.mark.parametrize(
    "text",
    [
        "需要去醫院嗎",
        "那我要挂号吗🤔",
        "那俺该挂啥科",
        "今天要去看吗",
        "需要看医生吗",
        "要去医院吗",
        "俺该咋办",
        "该看哪个科",
        "严重吗？",
        "要不要紧啊",
        "用不用去医院看看",
    ],
)
def test_asking_what_to_do_is_recognised(text: str) -> None:
    assert asks_for_advice(text)


@pytest.mark.parametrize(
    "text",
    ["不肿，也没变色，尿的颜色正常", "精神还行，能玩，就是吃得少", "吃了退烧药能退下去，过会又烧起来了", "我要挂号"],
)
def test_details_are_not_questions(text: str) -> None:
    assert not asks_for_advice(text)


def test_dont_know_in_several_words() -> None:
    assert all(says_dont_know(t) for t in ["不知道", "随便", "唔知", "不清楚", "沒量過，不記得"])


def test_a_complaint_is_told_from_a_request_for_triage() -> None:
    assert describes_complaint("昨天第一次去健身房练腿，今天大腿酸得下楼梯都难受😂")
    assert describes_complaint("我头疼")
    assert not any(
        describes_complaint(t)
        for t in ["我想自诊", "不知道挂哪个科", "身体不舒服", "/report_symptom", "您好，想问问挂哪个科"]
    )


# --- the form -------------------------------------------------------------------------------


async def test_the_complaint_that_started_the_journey_is_not_asked_again(domain: dict) -> None:
    """E16: no symptom entity in "大腿酸得下楼梯都难受😂" (replayed after the consent question)."""
    text = "昨天第一次去健身房练腿，今天大腿酸得下楼梯都难受😂"
    tracker = make_tracker(text=text, intent="report_symptom")
    tracker.events.append({"event": "action", "name": "action_reset_journey"})
    extracted = await ValidateTriageForm().extract_symptom(CollectingDispatcher(), tracker, domain)
    assert extracted == {"symptom": text}


async def test_a_request_for_triage_is_asked_where_it_hurts(domain: dict) -> None:
    tracker = make_tracker(text="我想自诊", intent="report_symptom")
    tracker.events.append({"event": "action", "name": "action_reset_journey"})
    assert await ValidateTriageForm().extract_symptom(CollectingDispatcher(), tracker, domain) == {}


async def test_a_duration_said_in_dialect_is_not_asked(domain: dict) -> None:
    text = "俺这心口窝老是烧得慌，反酸水，得有俩月了"
    tracker = make_tracker(text=text, intent="report_symptom", slots={"symptom": text})
    extracted = await ValidateTriageForm().extract_duration(CollectingDispatcher(), tracker, domain)
    assert extracted == {"duration": "俩月了"}


@pytest.mark.parametrize(("question", "asked"), [("需要去醫院嗎", "age"), ("今天要去看吗", "duration")])
async def test_asking_for_the_advice_answers_the_rest_unknown(domain: dict, question: str, asked: str) -> None:
    """E17/E24: the question at the age (or duration) question used to get the hospital's
    address or a menu, and the interview asked again, never to reach a level."""
    complaint = "切菜時不小心把手指劃了一個小口子，血已經止住了"
    tracker = make_tracker(
        text=question,
        intent="faq",
        slots={"symptom": complaint, "requested_slot": asked, "duration": "昨天" if asked == "age" else None},
        events=started(complaint),
        active_loop="triage_form",
    )
    events = await ValidateTriageForm().run(CollectingDispatcher(), tracker, domain)
    slots = slot_events(events)
    assert slots["requested_slot"] is None
    assert slots["age"] == UNKNOWN
    assert asked != "duration" or slots["duration"] == UNKNOWN


async def test_the_age_in_the_complaint_is_taken_when_the_answer_gives_none(domain: dict) -> None:
    """E23: "精神还行，能玩，就是吃得少" at the age question; "宝宝一岁半" was said first."""
    complaint = "宝宝一岁半，发烧两天了，最高39.2"
    answer = "精神还行，能玩，就是吃得少"
    tracker = make_tracker(text=answer, slots={"requested_slot": "age"}, events=started(complaint))
    dispatcher = CollectingDispatcher()
    assert await ValidateTriageForm().validate_age(answer, dispatcher, tracker, domain) == {"age": "1.5"}
    assert responses(dispatcher) == []


async def test_an_answer_that_is_no_age_is_asked_again_once_then_taken(domain: dict) -> None:
    """E18/E21: "没吐过血，解手也不黑" at the age question is asked again, saying why; a
    second answer without an age ends the interview without one."""
    complaint = "最近两个月一直睡不好，早上四点就醒"
    answer = "没有，没有想伤害自己的想法"
    form, first = ValidateTriageForm(), CollectingDispatcher()
    tracker = make_tracker(text=answer, intent="deny", slots={"requested_slot": "age"}, events=started(complaint))
    assert await form.validate_age(answer, first, tracker, domain) == {"age": None}
    assert responses(first) == ["utter_invalid_age"]
    again = [*started(complaint), said(answer, "deny"), {"event": "bot", "text": "“没有”我没看出是多大年纪。"}]
    tracker = make_tracker(text="工作压力挺大的", slots={"requested_slot": "age"}, events=again)
    second = CollectingDispatcher()
    assert await form.validate_age("工作压力挺大的", second, tracker, domain) == {"age": UNKNOWN}
    assert responses(second) == []


async def test_dont_know_at_the_duration_question_is_an_answer(domain: dict) -> None:
    tracker = make_tracker(text="随便吧，不记得了", slots={"requested_slot": "duration"})
    assert await ValidateTriageForm().validate_duration(
        "随便吧，不记得了", CollectingDispatcher(), tracker, domain
    ) == {"duration": UNKNOWN}


# --- what is assessed -----------------------------------------------------------------------


def test_a_bare_age_is_given_as_the_age_not_as_words() -> None:
    """E18: "五十一" read as words holds "一岁" and the engine said urgent for heartburn."""
    complaint = "俺这心口窝老是烧得慌，反酸水，得有俩月了"
    events = [*started(complaint), said("没吐过血，解手也不黑")]
    tracker = make_tracker(text="五十一", slots={"age": "51"}, events=events)
    assert triage_text(tracker) == f"{complaint}；没吐过血，解手也不黑"


def test_a_complaint_rerouted_by_the_front_door_is_assessed() -> None:
    payload = '/report_symptom{"symptom": "打球崴了脚，肿了"}'
    events = [
        said("打球崴了脚，肿了", "faq"),
        {"event": "bot", "text": "医院地址：…"},
        said(payload, "report_symptom", [{"entity": "symptom", "value": "打球崴了脚，肿了"}]),
        {"event": "action", "name": "action_reset_journey"},
    ]
    tracker = make_tracker(text="30", slots={"age": "30"}, events=events)
    assert triage_text(tracker) == "打球崴了脚，肿了"


def test_details_right_after_the_advice_are_assessed_with_the_complaint() -> None:
    complaint = "宝宝一岁半，发烧两天了，最高39.2"
    events = [
        *started(complaint),
        said("精神还行，能玩，就是吃得少"),
        {"event": "action", "name": "action_triage"},
        {"event": "bot", "text": "建议您24小时内尽快看医生"},
        {"event": "action", "name": "action_listen"},
        said("没抽过，身上没有疹子", "report_symptom"),
        {"event": "action", "name": "action_reset_journey"},
    ]
    tracker = make_tracker(text="", slots={"age": "1.5"}, events=events)
    tracker.events.pop()  # make_tracker's own latest message is not part of this story
    assert triage_text(tracker) == f"{complaint}；精神还行，能玩，就是吃得少；没抽过，身上没有疹子"


async def test_details_right_after_the_advice_keep_the_interview_slots(domain: dict) -> None:
    events = [
        *started("头疼"),
        {"event": "action", "name": "action_triage"},
        {"event": "action", "name": "action_listen"},
    ]
    slots = {"symptom": "头疼", "duration": "三天了", "age": "40", "triage_level": "routine", "department": "neurology"}
    tracker = make_tracker(text="还有点恶心", intent="report_symptom", slots=slots, events=events)
    reset = slot_events(await ActionResetJourney().run(CollectingDispatcher(), tracker, domain))
    assert "symptom" not in reset and "duration" not in reset and "age" not in reset
    assert reset["department"] is None and reset["triage_level"] is None


async def test_a_new_journey_later_forgets_the_interview(domain: dict) -> None:
    events = [
        *started("头疼"),
        {"event": "action", "name": "action_triage"},
        said("好的", "affirm"),
        {"event": "active_loop", "name": "booking_form"},
    ]
    slots = {"symptom": "头疼", "duration": "三天了", "age": "40"}
    tracker = make_tracker(text="我嗓子疼", intent="report_symptom", slots=slots, events=events)
    reset = slot_events(await ActionResetJourney().run(CollectingDispatcher(), tracker, domain))
    assert reset == {"symptom": None, "duration": None, "age": None}


async def test_an_unknown_duration_is_not_sent_as_words(hospital: FakeHospital, domain: dict) -> None:
    events = [*started("大腿酸得下楼梯都难受")]
    tracker = make_tracker(text="25", slots={"duration": UNKNOWN, "age": "25"}, events=events)
    await ActionTriage().run(CollectingDispatcher(), tracker, domain)
    sent = next(r["body"] for r in hospital.requests if r["path"] == "/api/v1/triage")
    assert sent == {"text": "大腿酸得下楼梯都难受", "age": 25}


def test_details_said_after_the_advice_are_all_kept_while_no_other_journey_starts() -> None:
    """E23: "没抽过，身上没有疹子" got "您还想办哪件事", then "尿也正常" started a triage of its
    own, assessed alone; it adds to the fever just assessed, with everything said since."""
    complaint = "宝宝一岁半，发烧两天了，最高39.2"
    events = [
        *started(complaint),
        said("精神还行，能玩，就是吃得少"),
        {"event": "action", "name": "action_triage"},
        {"event": "action", "name": "action_listen"},
        said("没抽过，身上没有疹子", "deny"),
        {"event": "action", "name": "utter_anything_else"},
        {"event": "action", "name": "action_listen"},
        said("尿也正常", "report_symptom"),
        {"event": "action", "name": "action_reset_journey"},
    ]
    tracker = make_tracker(text="", slots={"age": "1.5"}, events=events)
    tracker.events.pop()
    assert triage_text(tracker) == f"{complaint}；精神还行，能玩，就是吃得少；没抽过，身上没有疹子；尿也正常"


def test_a_complaint_many_messages_after_the_advice_is_a_new_one() -> None:
    events = [*started("我头疼"), {"event": "action", "name": "action_triage"}]
    events += [said(f"医院几点开门{n}", "faq") for n in range(4)]
    events += [said("孩子发烧了", "report_symptom"), {"event": "action", "name": "action_reset_journey"}]
    tracker = make_tracker(text="", events=events)
    tracker.events.pop()
    assert triage_text(tracker) == "孩子发烧了"


async def test_an_answer_rerouted_by_the_front_door_is_read_as_its_words(domain: dict) -> None:
    """E17: "去年打過破傷風" at the age question came back as '/report_symptom{...}', and the
    bot said it saw no age in '/report_symptom{"sym'."""
    payload = '/report_symptom{"symptom": "去年打過破傷風"}'
    entities = [{"entity": "symptom", "value": "去年打過破傷風"}]
    complaint = "切菜時不小心把手指劃了一個小口子"
    tracker = make_tracker(
        text=payload,
        intent="report_symptom",
        entities=entities,
        slots={"requested_slot": "age"},
        events=started(complaint),
    )
    dispatcher = CollectingDispatcher()
    assert await ValidateTriageForm().validate_age(payload, dispatcher, tracker, domain) == {"age": None}
    assert dispatcher.messages[0]["age_text"] == "去年打過破傷風"
    duration = await ValidateTriageForm().validate_duration(payload, CollectingDispatcher(), tracker, domain)
    assert duration == {"duration": "去年打過破傷風"}


async def test_no_fourth_question(domain: dict) -> None:
    """Where it hurts, how long and how old were asked: an answer that is no age ends the
    interview instead of a fourth question."""
    events = [
        said("我想自诊", "report_symptom"),
        {"event": "action", "name": "action_reset_journey"},
        {"event": "bot", "text": "您哪里不舒服？用几个字说说就行"},
        said("头晕", "report_symptom"),
        {"event": "bot", "text": "这样有多长时间了？比如“两天”"},
        said("好几天"),
        {"event": "bot", "text": "看病的人多大年纪？小宝宝请说几个月"},
    ]
    tracker = make_tracker(text="还有点恶心", slots={"requested_slot": "age"}, events=events)
    dispatcher = CollectingDispatcher()
    assert await ValidateTriageForm().validate_age("还有点恶心", dispatcher, tracker, domain) == {"age": UNKNOWN}
    assert responses(dispatcher) == []


def test_the_question_markers_are_the_domain_wording(domain: dict) -> None:
    from actions.triage import AGE_ASKED_AGAIN, QUESTION_MARKERS

    asks = [domain["responses"][f"utter_ask_{slot}"][0]["text"] for slot in ("symptom", "duration", "age")]
    assert all(marker in ask for marker, ask in zip(QUESTION_MARKERS, asks, strict=True))
    assert AGE_ASKED_AGAIN in domain["responses"]["utter_invalid_age"][0]["text"]


@pytest.mark.parametrize(("slot", "age"), [("0.7", 0.7), ("1.5", 1.5), ("72", 72)])
async def test_a_fraction_of_a_year_reaches_the_engine_as_it_is(
    hospital: FakeHospital, domain: dict, slot: str, age: float
) -> None:
    """Set 1's C22: "宝宝8个月" kept as "0.7" went to the engine as 0 (a newborn): 120."""
    tracker = make_tracker(
        text="精神还可以 能吃奶", slots={"duration": "一天了", "age": slot}, events=started("宝宝发烧39度 一天了")
    )
    await ActionTriage().run(CollectingDispatcher(), tracker, domain)
    sent = next(r["body"] for r in hospital.requests if r["path"] == "/api/v1/triage")
    assert sent["age"] == age


def _asked_how_long_and_how_old(complaint: str, denial: str) -> list[dict[str, Any]]:
    """Set 6's H17: the duration question was asked and answered with denials, then the age."""
    return [
        *started(complaint),
        {"event": "bot", "text": "这样有多长时间了？比如“两天”“一个星期”。"},
        said(denial, "deny"),
        {"event": "bot", "text": "看病的人多大年纪？小宝宝请说几个月，比如“5个月”。"},
    ]


@pytest.mark.parametrize(
    ("complaint", "denial", "answer"),
    [
        (
            "昨晚火锅吃猛了 今天心口窝那块烧得慌 老打嗝反酸",
            "没吐 大便颜色正常 不是那种压着疼 爬楼也没事",
            "以前也这样过 喝点苏打水就好了",
        ),
        ("吃完烧烤胃里火辣辣的", "没拉黑便 也不恶心", "老毛病了 吃点胃药就好"),
        ("嗓子疼 咽口水都疼", "不发烧 不咳嗽", "天天熬夜加班"),
    ],
)
async def test_the_age_is_not_asked_again_when_that_would_spend_the_last_question(
    domain: dict, complaint: str, denial: str, answer: str
) -> None:
    """H17: how long and how old were asked; an answer with no age is taken as unknown (the
    level comes now, for an adult) and the patient is told so, instead of a third question."""
    tracker = make_tracker(
        text=answer, slots={"requested_slot": "age"}, events=_asked_how_long_and_how_old(complaint, denial)
    )
    dispatcher = CollectingDispatcher()
    assert await ValidateTriageForm().validate_age(answer, dispatcher, tracker, domain) == {"age": UNKNOWN}
    assert responses(dispatcher) == []
    assert [m.get("text") for m in dispatcher.messages] == [AGE_LEFT_OUT]


async def test_the_age_alone_asked_may_still_be_asked_again(domain: dict) -> None:
    """E18/E21 kept: the duration came with the complaint, only the age was asked, so asking
    it again once stays within the three questions."""
    complaint = "俺这心口窝老是烧得慌，反酸水，得有俩月了"
    events = [*started(complaint), {"event": "bot", "text": "看病的人多大年纪？小宝宝请说几个月，比如“5个月”。"}]
    tracker = make_tracker(text="没吐过血，解手也不黑", intent="deny", slots={"requested_slot": "age"}, events=events)
    dispatcher = CollectingDispatcher()
    assert await ValidateTriageForm().validate_age("没吐过血，解手也不黑", dispatcher, tracker, domain) == {"age": None}
    assert responses(dispatcher) == ["utter_invalid_age"]


async def test_the_age_asked_again_and_still_unreadable_is_left_out_and_said(domain: dict) -> None:
    complaint = "俺这心口窝老是烧得慌，反酸水，得有俩月了"
    events = [
        *started(complaint),
        {"event": "bot", "text": "看病的人多大年纪？小宝宝请说几个月，比如“5个月”。"},
        said("没吐过血，解手也不黑", "deny"),
        {"event": "bot", "text": "“没吐过血，解手也不黑”我没看出是多大年纪。"},
        {"event": "bot", "text": "看病的人多大年纪？小宝宝请说几个月，比如“5个月”。"},
    ]
    tracker = make_tracker(text="反正不小了", slots={"requested_slot": "age"}, events=events)
    dispatcher = CollectingDispatcher()
    assert await ValidateTriageForm().validate_age("反正不小了", dispatcher, tracker, domain) == {"age": UNKNOWN}
    assert [m.get("text") for m in dispatcher.messages] == [AGE_LEFT_OUT]


async def test_a_readable_age_after_two_questions_is_taken(domain: dict) -> None:
    events = _asked_how_long_and_how_old("昨晚火锅吃猛了 今天心口窝那块烧得慌", "没吐")
    tracker = make_tracker(text="26岁", slots={"requested_slot": "age"}, events=events)
    dispatcher = CollectingDispatcher()
    assert await ValidateTriageForm().validate_age("26岁", dispatcher, tracker, domain) == {"age": "26"}
    assert dispatcher.messages == []
