"""The conversation after an emergency answer (issue 10, item 6), through
`POST /api/v1/chat` with Rasa played by a local server speaking its REST protocol:
a bot that says goodbye to "好的", falls back on what it does not know and books
whatever it is asked to, the way the real one did. Every quoted case of the issue
is here, with Rasa up and with Rasa down."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from config import ROOT
from integrations.rasa.client import RasaRestClient
from models import ConversationMessage
from services.context import ServiceContext
from services.conversation.contexts import CONVERSATION_CONTEXT
from services.hospital_facts import load_facts
from tests.conftest import AUTH, settings_for
from tests.console_helpers import login, make_staff, post
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

GOODBYE = "好的，祝您身体健康，再见！"
FALLBACK = "抱歉，我没太听明白，您可以换个说法，或者从下面选一项。"
BOOKED = "已为您预约明天上午的号。"
INHALER = ("哮喘", "前倾")
BOT_EMERGENCY = "⚠️ 这可能很危险，请马上拨打120，或立刻去最近医院的急诊科！不要自己开车，身边有人的请让他陪您。"

STROKE = "我妈突然说话不清楚，一边手脚没力气"
INFANT_BLUE_LIPS = "我家宝宝两个月大，嘴唇发紫"
HEART_ATTACK = "我爸胸口压着疼，一直出冷汗，喘不上气"
FEBRILE_SEIZURE = "孩子两岁，发烧，刚才眼睛往上翻，手脚抖了一两分钟"


def careless_rasa(request: Recorded) -> tuple[int, object]:
    """The bot as it was: a farewell to thanks, a fallback to the unknown, a booking to any booking."""
    if not request.path.startswith("/webhooks/rest/webhook"):
        return 200, {}
    body = request.json()
    text = body["message"]
    if text == "对，一直这样":  # the bot's own triage reaches an emergency over several turns
        reply = BOT_EMERGENCY
    elif any(word in text for word in ("好的", "谢谢", "再见", "睡着")):
        reply = GOODBYE
    elif "挂" in text or "预约" in text:
        reply = BOOKED
    else:
        reply = FALLBACK
    return 200, [{"recipient_id": body["sender"], "text": reply}]


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    with fake_server(careless_rasa) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        yield server


@pytest.fixture
def rasa_down(app: Flask) -> None:
    use(app, dialogue=RasaRestClient("http://127.0.0.1:9", timeout=0.3))


def say(client: FlaskClient, message: str, sender: str = "family-1") -> str:
    response = client.post("/api/v1/chat", json={"sender": sender, "message": message})
    assert response.status_code == 200
    return "\n".join(m["text"] for m in response.json["messages"])


def buttons(client: FlaskClient, message: str, sender: str = "family-1") -> list[dict[str, str]]:
    response = client.post("/api/v1/chat", json={"sender": sender, "message": message})
    return [b for m in response.json["messages"] for b in m["buttons"]]


def bot_heard(rasa: FakeServer) -> list[str]:
    return [r.json()["message"] for r in rasa.requests if r.path.startswith("/webhooks/rest/webhook")]


def no_goodbye(text: str) -> bool:
    return "再见" not in text and "祝您身体健康" not in text


# --- the alert itself -------------------------------------------------------------


def test_the_alerts_own_button_gets_what_to_do_while_waiting(client: FlaskClient, rasa: FakeServer) -> None:
    alert_buttons = buttons(client, HEART_ATTACK)
    [called] = [b for b in alert_buttons if b["title"] == "已经联系120了"]
    answer = say(client, called["payload"])
    assert "没太听明白" not in answer and "救护车在路上" in answer
    assert "胸外按压" in answer  # the heart attack's own waiting advice
    assert bot_heard(rasa) == []


def test_typing_that_120_was_called_gets_the_same(client: FlaskClient, rasa_down: None) -> None:
    say(client, STROKE)
    answer = say(client, "已经联系120了")
    assert "救护车在路上" in answer and "抗凝药" in answer  # the stroke's own waiting advice


def test_on_a_text_channel_a_typed_number_means_the_alerts_button(client: FlaskClient, rasa: FakeServer) -> None:
    say(client, HEART_ATTACK)
    assert "救护车在路上" in say(client, "1")  # "回复1 已经联系120了"
    assert "急诊科：" in say(client, "回复2")
    assert bot_heard(rasa) == []
    say(client, "查一下我的报告")  # the bot answered last: its own numbering applies
    say(client, "1")
    # this fake falls back on everything, so the edge hands the report query to its journey
    # (services/conversation/records_errands.py) before the "1"
    assert bot_heard(rasa) == ["查一下我的报告", "/query_result", "1"]


@pytest.mark.parametrize("message", [INFANT_BLUE_LIPS, HEART_ATTACK])
def test_no_asthma_inhaler_advice_for_a_baby_or_a_heart_attack(
    client: FlaskClient, rasa: FakeServer, message: str
) -> None:
    answer = say(client, message)
    assert "120" in answer
    assert not any(word in answer for word in INHALER)


def test_first_aid_is_specific_to_the_condition(client: FlaskClient, rasa: FakeServer) -> None:
    assert "不要喂奶喂水" in say(client, INFANT_BLUE_LIPS, sender="a")
    heart = say(client, HEART_ATTACK, sender="b")
    assert "阿司匹林" in heart and "不过敏" in heart and "120或医生让吃" in heart
    stroke = say(client, STROKE, sender="c")
    assert "发病的准确时间" in stroke and "不要喂水" in stroke
    assert "药瓶" in say(client, "他一下吃了一整瓶安眠药", sender="d")
    assert "按住出血处" in say(client, "手被刀割了，血止不住", sender="e")


def test_a_toddlers_febrile_seizure_is_an_emergency_with_seizure_first_aid(
    client: FlaskClient, rasa: FakeServer
) -> None:
    answer = say(client, FEBRILE_SEIZURE)
    assert "120" in answer and "24小时内" not in answer and "眼科" not in answer
    assert "侧躺" in answer and "不要往嘴里塞" in answer


def test_the_emergency_department_is_where_the_facts_say(app: Flask, client: FlaskClient, rasa: FakeServer) -> None:
    facts = load_facts(app.extensions["hospital"].settings.hospital_facts_file)
    alert = say(client, STROKE)
    assert facts.emergency_address in alert and facts.emergency_phone in alert
    where = say(client, "急诊在哪")
    assert facts.emergency_address in where and facts.emergency_phone in where
    assert "XX" not in where
    assert bot_heard(rasa) == []


def test_where_the_emergency_department_is_holds_with_rasa_down_and_other_facts(
    database_url: str, tmp_path: Path
) -> None:
    facts = yaml.safe_load((ROOT / "data" / "hospital.yml").read_text(encoding="utf-8"))
    facts["address"], facts["emergency"] = "测试市健康路9号", {"location": "急诊楼", "phone": "0571-1200"}
    (tmp_path / "hospital.yml").write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    app = create_app(settings_for(database_url, hospital_facts_file=tmp_path / "hospital.yml"))
    use(app, dialogue=RasaRestClient("http://127.0.0.1:9", timeout=0.3))
    answer = say(app.test_client(), "请问急诊室在哪里")
    assert "测试市健康路9号，急诊楼" in answer and "0571-1200" in answer
    app.extensions["hospital"].db.dispose()


# --- what follows it ------------------------------------------------------------------


def test_a_sleeping_blue_lipped_baby_gets_do_not_wait_not_goodbye(client: FlaskClient, rasa: FakeServer) -> None:
    say(client, INFANT_BLUE_LIPS)
    answer = say(client, "她现在睡着了，是不是等明天再看")
    assert no_goodbye(answer)
    assert "不要等" in answer and "120" in answer and "睡着了也可能是精神差" in answer
    assert bot_heard(rasa) == []


@pytest.mark.parametrize("message", ["要不要等等", "睡着了明天再说吧", "等明天再看行不行"])
def test_wait_until_tomorrow_is_never_agreed_to_even_with_rasa_down(
    client: FlaskClient, rasa_down: None, message: str
) -> None:
    say(client, STROKE)
    answer = say(client, message)
    assert "不要等" in answer and "120" in answer and "溶栓" in answer


@pytest.mark.parametrize("message", ["好的", "谢谢", "再见", "好的谢谢"])
def test_thanks_and_goodbye_get_a_reminder_not_a_farewell(client: FlaskClient, rasa: FakeServer, message: str) -> None:
    say(client, HEART_ATTACK)
    answer = say(client, message)
    assert no_goodbye(answer) and "120" in answer and "急诊" in answer
    assert bot_heard(rasa) == []


def test_a_farewell_from_the_bot_itself_is_replaced_in_the_emergency(client: FlaskClient, rasa: FakeServer) -> None:
    say(client, HEART_ATTACK)
    answer = say(client, "好的，那我们先收拾东西")  # not a plain closing: the bot hears it and says goodbye
    assert no_goodbye(answer) and "120" in answer


@pytest.mark.parametrize("down", [False, True])
def test_the_ambulance_has_not_come_gets_waiting_advice_for_the_condition(
    app: Flask, client: FlaskClient, rasa: FakeServer, down: bool
) -> None:
    say(client, STROKE)
    if down:
        use(app, dialogue=RasaRestClient("http://127.0.0.1:9", timeout=0.3))
    answer = say(client, "救护车还没到，我该做点什么")
    assert "没太听明白" not in answer and "抱歉" not in answer
    assert "侧躺" in answer and "抗凝药" in answer  # the stroke's own waiting advice
    assert "开门" in answer or "打开家门" in answer


def test_a_booking_after_a_stroke_alert_is_refused_with_the_reason(client: FlaskClient, rasa: FakeServer) -> None:
    say(client, STROKE)
    for request in ("帮我挂个明天的神经内科", "预约一个号"):
        answer = say(client, request)
        assert BOOKED not in answer
        assert "不能为这个情况预约" in answer and "急诊" in answer and "120" in answer
    assert bot_heard(rasa) == []


def test_an_unrelated_booking_goes_to_the_bot_and_after_the_state_lapses_any_does(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    say(client, STROKE)
    assert BOOKED in say(client, "帮我挂个口腔科看牙")
    say(client, "把我约的号取消掉")  # cancelling is not booking for later: the bot does it
    hours = ctx.settings.emergency_state_hours
    with ctx.db.transaction() as session:  # the alert was longer ago than the emergency state lasts
        for row in session.scalars(select(ConversationMessage)):
            row.received_at = row.received_at - timedelta(hours=hours + 1)
    assert BOOKED in say(client, "帮我挂个明天的神经内科")
    assert GOODBYE in say(client, "好的谢谢")
    assert bot_heard(rasa) == ["帮我挂个口腔科看牙", "把我约的号取消掉", "帮我挂个明天的神经内科", "好的谢谢"]


def test_the_emergency_state_survives_a_restart(database_url: str) -> None:
    first = create_app(settings_for(database_url))
    use(first, dialogue=RasaRestClient("http://127.0.0.1:9", timeout=0.3))
    browser = first.test_client()
    say(browser, INFANT_BLUE_LIPS)
    first.extensions["hospital"].db.dispose()
    second = create_app(settings_for(database_url))  # a new process: nothing in memory
    use(second, dialogue=RasaRestClient("http://127.0.0.1:9", timeout=0.3))
    same_browser = second.test_client()
    for cookie in getattr(browser, "_cookies", {}).values():  # the browser keeps its cookies
        same_browser.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    answer = say(same_browser, "她现在睡着了，是不是等明天再看")
    assert "不要等" in answer and "睡着了也可能是精神差" in answer
    second.extensions["hospital"].db.dispose()


def test_other_conversations_are_not_in_the_emergency(client: FlaskClient, rasa: FakeServer) -> None:
    say(client, STROKE, sender="someone")
    assert GOODBYE in say(client, "好的谢谢", sender="someone-else")


# --- the nurse's side ------------------------------------------------------------------


def conversation_of(ctx: ServiceContext) -> str:
    """The conversation id the edge kept (the web channel may derive it from a session cookie)."""
    with ctx.db.reading() as session:
        row = session.scalars(select(ConversationMessage).order_by(ConversationMessage.id)).first()
        assert row is not None
        return ctx.cipher.decrypt(row.conversation_enc, CONVERSATION_CONTEXT)


def test_a_handoff_after_an_emergency_is_urgent_and_carries_the_alert(
    app: Flask, client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    alert = say(client, STROKE)
    say(client, "救护车还没到，我该做点什么")
    opened = client.post(
        "/api/v1/handoffs", json={"conversation_id": conversation_of(ctx), "reason": "asked_for_human"}, headers=AUTH
    )
    assert opened.status_code == 201
    ticket_id = opened.json["id"]
    nurse = app.test_client()
    login(nurse, "nurse1", make_staff(ctx, "nurse1", "clinician"))
    [row] = nurse.get("/console/handoffs/feed.json").json["rows"]
    assert row["urgent"] is True
    assert row["reason"].startswith("急救提醒后转人工：") and "中风" in row["reason"]
    assert "患者要求转人工" not in row["reason"]
    assert post(nurse, f"/console/handoffs/{ticket_id}/why", why="处理急救后转人工").status_code == 302
    page = nurse.get(f"/console/handoffs/{ticket_id}").get_data(as_text=True)
    assert 'id="ticket-alert"' in page and "机器人已给出急救提醒" in page
    assert "发病的准确时间" in page and "发病的准确时间" in alert  # the very advice the patient got


def test_a_handoff_without_an_emergency_is_not_urgent(
    app: Flask, client: FlaskClient, ctx: ServiceContext, rasa: FakeServer
) -> None:
    say(client, "你好")
    client.post("/api/v1/handoffs", json={"conversation_id": conversation_of(ctx)}, headers=AUTH)
    nurse = app.test_client()
    login(nurse, "nurse1", make_staff(ctx, "nurse1", "clinician"))
    [row] = nurse.get("/console/handoffs/feed.json").json["rows"]
    assert row["urgent"] is False and row["reason"] == "患者要求转人工"


def test_an_emergency_the_bot_reached_itself_starts_the_journey_too(
    app: Flask, client: FlaskClient, rasa: FakeServer
) -> None:
    answer = say(client, "对，一直这样")
    settings = app.extensions["hospital"].settings
    assert BOT_EMERGENCY in answer and load_facts(settings.hospital_facts_file).emergency_address in answer
    thanks = say(client, "好的谢谢")
    assert no_goodbye(thanks) and "120" in thanks
    assert "不要等" in say(client, "要不要等等")
    assert bot_heard(rasa) == ["对，一直这样"]
