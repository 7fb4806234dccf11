"""A team shares the hand-off inbox: a claimed ticket is locked to its holder (the
others see who, and take over only explicitly, audited), staff lines carry the
writer's name, pages poll for new lines, the inbox shows waiting time and a masked
preview, pages through many tickets and lists emergencies first."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from models import HandoffTicket, utcnow
from services.context import ServiceContext
from services.conversation import handoff
from tests.console_helpers import audit_actions, login, make_staff, post
from tests.fakes.http_server import FakeServer
from tests.integration.test_handoff import chat, rasa  # noqa: F401  (the fixture)
from tests.web_chat import web_conversation


def agent(app: Flask, ctx: ServiceContext, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username, make_staff(ctx, username, "support"))
    return client


def open_with_reason(client: FlaskClient, ticket_id: int) -> str:
    assert post(client, f"/console/handoffs/{ticket_id}/why", why="回复患者咨询").status_code == 302
    return client.get(f"/console/handoffs/{ticket_id}").get_data(as_text=True)


def test_a_claimed_ticket_is_locked_and_taken_over_only_explicitly(app: Flask, ctx: ServiceContext) -> None:
    ticket_id, _ = handoff.open_ticket(ctx, "web:p7", "asked_for_human")
    first, second = agent(app, ctx, "kefu1"), agent(app, ctx, "kefu2")
    open_with_reason(first, ticket_id)
    assert post(first, f"/console/handoffs/{ticket_id}/claim").status_code == 302

    page = open_with_reason(second, ticket_id)
    assert '正由 <strong class="holder-name">Kefu1</strong> 处理' in page and "改由我接手" in page
    assert 'id="reply-form"' not in page
    refused = post(second, f"/console/handoffs/{ticket_id}/reply", text="我也来回答")
    assert refused.status_code == 409 and "正由Kefu1处理" in refused.get_data(as_text=True)
    assert post(second, f"/console/handoffs/{ticket_id}/close").status_code == 409
    assert post(second, f"/console/handoffs/{ticket_id}/take-over", reason="").status_code == 422

    assert post(second, f"/console/handoffs/{ticket_id}/take-over", reason="交接班").status_code == 302
    assert post(second, f"/console/handoffs/{ticket_id}/reply", text="您好，我接着为您服务").status_code == 302
    again = post(first, f"/console/handoffs/{ticket_id}/reply", text="还是我")
    assert again.status_code == 409 and "正由Kefu2处理" in again.get_data(as_text=True)
    [entry] = [e for e in audit_actions(ctx) if e.action == "handoff.take_over"]
    assert entry.reason == "交接班" and entry.detail is not None
    assert set(json.loads(entry.detail)) == {"from", "to"}


def test_each_staff_line_is_signed_and_new_lines_arrive_by_polling(
    app: Flask,
    client: FlaskClient,
    ctx: ServiceContext,
    rasa: FakeServer,  # noqa: F811
) -> None:
    chat(client, "转人工", sender="p8")
    ticket_id, _ = handoff.open_ticket(ctx, web_conversation(app, client, "p8"), "asked_for_human")
    first, second = agent(app, ctx, "kefu1"), agent(app, ctx, "kefu2")
    updates = f"/console/handoffs/{ticket_id}/updates.json"
    assert second.get(updates + "?m=0&r=0").status_code == 403  # no viewing reason yet
    post(first, f"/console/handoffs/{ticket_id}/reply", text="您好，请讲")
    post(second, f"/console/handoffs/{ticket_id}/why", why="协助同事")
    post(second, f"/console/handoffs/{ticket_id}/take-over", reason="同事下班")
    post(second, f"/console/handoffs/{ticket_id}/reply", text="我是第二位客服")
    page = second.get(f"/console/handoffs/{ticket_id}").get_data(as_text=True)
    assert '<span class="author">Kefu1：</span><span class="text">您好，请讲</span>' in page
    assert '<span class="author">Kefu2：</span><span class="text">我是第二位客服</span>' in page

    first_poll = second.get(updates + "?m=0&r=0").json
    cursor = first_poll["cursor"]
    chat(client, "我的电话13812345678", sender="p8")
    fresh = second.get(updates + f"?m={cursor['m']}&r={cursor['r']}").json
    assert [(x["who"], x["text"]) for x in fresh["lines"]] == [("patient", "我的电话138****5678")]
    assert fresh["assignee"] == "Kefu2" and fresh["mine"] is True
    assert second.get(updates + "?m=x&r=0").status_code == 422


def test_the_inbox_lists_emergencies_first_with_waiting_time_preview_and_pages(
    app: Flask,
    client: FlaskClient,
    ctx: ServiceContext,
    rasa: FakeServer,  # noqa: F811
) -> None:
    chat(client, "我叫李娜，身份证110105198001010038，想找人", sender="calm")
    calm_id, _ = handoff.open_ticket(ctx, web_conversation(app, client, "calm"), "asked_for_human")
    assert "120" in chat(client, "我胸口压着疼，一直出冷汗", sender="sick")[0]
    sick_id, _ = handoff.open_ticket(ctx, web_conversation(app, client, "sick"), "asked_for_human")
    with ctx.db.transaction() as session:  # the calm patient has waited 65 minutes
        session.execute(
            update(HandoffTicket).where(HandoffTicket.id == calm_id).values(created_at=utcnow() - timedelta(minutes=65))
        )
    for n in range(22):
        handoff.open_ticket(ctx, f"web:many{n}", "bot_gave_up")
    staff = agent(app, ctx, "kefu1")
    page = staff.get("/console/handoffs").get_data(as_text=True)
    rows = page.split('<tr class="ticket')[1:]
    assert len(rows) == 20 and "紧急" in rows[0] and f"#{sick_id}" in rows[0]
    assert f"#{calm_id}" in rows[1] and "1小时5分钟" in rows[1]
    assert "110105********0038" in rows[1] and "110105198001010038" not in page
    assert "我叫李*" in rows[1] and "李娜" not in page
    assert "第 1 / 2 页，共 24 个工单" in page
    second_page = staff.get("/console/handoffs?page=2").get_data(as_text=True)
    assert second_page.count('<tr class="ticket') == 4
    feed = staff.get("/console/handoffs/feed.json").json
    assert feed["rows"][0]["id"] == sick_id and feed["rows"][0]["urgent"] is True
    assert feed["total"] == 24 and "110105198001010038" not in json.dumps(feed, ensure_ascii=False)


def test_a_red_flag_while_the_ticket_is_open_makes_it_urgent(
    app: Flask,
    client: FlaskClient,
    ctx: ServiceContext,
    rasa: FakeServer,  # noqa: F811
) -> None:
    handoff.open_ticket(ctx, "web:a", "asked_for_human")
    chat(client, "你好", sender="b")
    later_id, _ = handoff.open_ticket(ctx, web_conversation(app, client, "b"), "asked_for_human")
    staff = agent(app, ctx, "kefu1")
    assert staff.get("/console/handoffs/feed.json").json["rows"][0]["id"] != later_id
    chat(client, "我胸口压着疼，一直出冷汗", sender="b")
    assert staff.get("/console/handoffs/feed.json").json["rows"][0]["id"] == later_id


def test_the_viewing_reason_is_never_taken_from_the_url(app: Flask, ctx: ServiceContext) -> None:
    ticket_id, _ = handoff.open_ticket(ctx, "web:p9", "asked_for_human")
    staff = agent(app, ctx, "kefu1")
    page = staff.get(f"/console/handoffs/{ticket_id}?why=回复患者咨询").get_data(as_text=True)
    assert 'method="post"' in page and "查看原因" in page and "转人工工单 #" in page
    assert not [e for e in audit_actions(ctx) if e.action == "handoff.view"]
    assert post(staff, f"/console/handoffs/{ticket_id}/why", why="x").status_code == 422


def test_remembered_reasons_keep_the_session_cookie_small(app: Flask, ctx: ServiceContext) -> None:
    """Browsers drop cookies over 4 KB: the oldest reason is forgotten first."""
    tickets = [handoff.open_ticket(ctx, f"web:c{n}", "asked_for_human")[0] for n in range(10)]
    staff = agent(app, ctx, "kefu1")
    for n, ticket_id in enumerate(tickets):
        reason = "".join(chr(0x4E00 + (n * 131 + k * 17) % 20000) for k in range(150))  # longer than kept
        response = post(staff, f"/console/handoffs/{ticket_id}/why", why=reason)
        assert len(response.headers["Set-Cookie"]) < 4000
    assert "查看原因" in staff.get(f"/console/handoffs/{tickets[0]}").get_data(as_text=True)  # forgotten
    assert 'id="conversation"' in staff.get(f"/console/handoffs/{tickets[-1]}").get_data(as_text=True)
