"""The hand-off inbox: tickets, a ticket with its conversation, claim, take over,
reply, hand back; and two small JSON answers the pages poll for live updates.

The viewing reason is posted once (`/handoffs/<id>/why`) and kept for the ticket
(web.console.viewing); polling returns only what a page that has it may show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from services.booking.calendar import SHANGHAI
from services.conversation import handoff_desk as desk
from services.conversation import handoff_inbox as inbox
from services.errors import DomainError, InvalidInput
from web.console import bp, viewing
from web.console.auth import current_staff, require_role, staff_context
from web.error_status import status_for

AGENTS = ("support", "clinician", "admin")
REASON_NAMES = {"asked_for_human": "患者要求转人工", "bot_gave_up": "机器人连续两次没听懂"}
STATUS_NAMES = {"open": "待接手", "claimed": "处理中", "closed": "已结束"}
CHANNEL_NAMES = {"web": "网页", "wechat": "微信", "alipay": "支付宝", "sms": "短信"}


def waited(since: datetime | None, now: datetime | None = None) -> str:
    """How long a patient has been waiting, as staff say it: "刚刚", "12分钟", "1小时5分钟"."""
    if since is None:
        return ""
    minutes = max(0, int(((now or datetime.now(SHANGHAI)) - since).total_seconds() // 60))
    if minutes < 1:
        return "刚刚"
    return f"{minutes // 60}小时{minutes % 60}分钟" if minutes >= 60 else f"{minutes}分钟"


def reason_name(row: inbox.TicketRow) -> str:
    """An urgent ticket reads as the alert it followed, not "患者要求转人工"."""
    return f"急救提醒后转人工：{row.alert_labels}" if row.alert_labels else REASON_NAMES.get(row.reason, row.reason)


def _names() -> dict[str, Any]:
    return {
        "reason_name": reason_name,
        "reason_names": REASON_NAMES,
        "status_names": STATUS_NAMES,
        "channel_names": CHANNEL_NAMES,
        "waited": waited,
    }


def _me() -> str:
    who = current_staff()
    assert who is not None
    return who.id


def _subject(ticket_id: int) -> str:
    return f"handoff:{ticket_id}"


def _page_args() -> tuple[bool, int]:
    closed = request.args.get("closed") == "1"
    page = request.args.get("page", "1")
    return closed, int(page) if page.isdigit() else 1


@bp.get("/handoffs")
@require_role(*AGENTS)
def handoff_inbox() -> ResponseReturnValue:
    closed, page = _page_args()
    found = inbox.list_inbox(staff_context(), include_closed=closed, page=page)
    return render_template("console/handoffs.html", inbox=found, tickets=found.rows, closed=closed, **_names())


def _row_json(row: inbox.TicketRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": url_for("console.handoff_ticket", ticket_id=row.id),
        "urgent": row.urgent,
        "channel": CHANNEL_NAMES.get(row.channel, row.channel),
        "who": row.who,
        "reason": reason_name(row),
        "status": STATUS_NAMES.get(row.status, row.status),
        "assignee": row.assignee or "",
        "preview": row.preview,
        "waiting": waited(row.waiting_since),
        "created_at": row.created_at.strftime("%m-%d %H:%M"),
    }


@bp.get("/handoffs/feed.json")
@require_role(*AGENTS)
def handoff_feed() -> ResponseReturnValue:
    """The inbox page's rows as JSON, polled every few seconds (masked like the page)."""
    closed, page = _page_args()
    found = inbox.list_inbox(staff_context(), include_closed=closed, page=page)
    return jsonify(
        {"page": found.page, "pages": found.pages, "total": found.total, "rows": [_row_json(r) for r in found.rows]}
    )


def _ticket_page(ticket_id: int, why: str, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    view = desk.view_ticket(staff_context(), ticket_id, why)
    page = render_template("console/handoff.html", view=view, why=why, error=error, me=_me(), **_names())
    return page, status


@bp.get("/handoffs/<int:ticket_id>")
@require_role(*AGENTS)
def handoff_ticket(ticket_id: int) -> ResponseReturnValue:
    why = viewing.recall(_subject(ticket_id))
    if not why:
        action = url_for("console.handoff_why", ticket_id=ticket_id)
        return render_template("console/why.html", subject=f"转人工工单 #{ticket_id}", action=action)
    return _ticket_page(ticket_id, why)


@bp.post("/handoffs/<int:ticket_id>/why")
@require_role(*AGENTS)
def handoff_why(ticket_id: int) -> ResponseReturnValue:
    why = desk.require_why(viewing.posted_why())
    viewing.remember(_subject(ticket_id), why)
    return redirect(url_for("console.handoff_ticket", ticket_id=ticket_id))


@bp.get("/handoffs/<int:ticket_id>/updates.json")
@require_role(*AGENTS)
def handoff_updates(ticket_id: int) -> ResponseReturnValue:
    """New lines since the page's last ones, and who holds the ticket now."""
    if not viewing.recall(_subject(ticket_id)):
        return jsonify({"error": "why_required", "message": "请先填写查看原因"}), 403
    after = (_int_arg("m"), _int_arg("r"))
    view = desk.updates(staff_context(), ticket_id, after)
    t = view.ticket
    return jsonify(
        {
            "status": t.status,
            "status_name": STATUS_NAMES[t.status],
            "assignee": t.assignee or "",
            "mine": t.assignee_id == _me(),
            "urgent": t.urgent,
            "cursor": {"m": view.cursor[0], "r": view.cursor[1]},
            "lines": [
                {"key": x.key, "who": x.who, "author": x.author, "text": x.text, "at": x.at.strftime("%H:%M")}
                for x in view.lines
            ],
        }
    )


def _int_arg(name: str) -> int:
    raw = request.args.get(name, "0")
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidInput("参数有误，请刷新页面")
    return int(raw)


def _act(ticket_id: int, change: Any, done: str) -> ResponseReturnValue:
    """Do it and go back to the ticket; a refusal (someone else holds it) is shown on
    the ticket page itself, with the reason already given."""
    try:
        change()
    except DomainError as exc:
        why = viewing.recall(_subject(ticket_id))
        if not why:
            raise
        return _ticket_page(ticket_id, why, exc.message, status_for(exc))
    flash(done)
    return redirect(url_for("console.handoff_ticket", ticket_id=ticket_id))


@bp.post("/handoffs/<int:ticket_id>/claim")
@require_role(*AGENTS)
def handoff_claim(ticket_id: int) -> ResponseReturnValue:
    return _act(ticket_id, lambda: desk.claim(staff_context(), ticket_id, _me()), "已接手这个工单")


@bp.post("/handoffs/<int:ticket_id>/take-over")
@require_role(*AGENTS)
def handoff_take_over(ticket_id: int) -> ResponseReturnValue:
    reason = request.form.get("reason", "")[:200]
    return _act(
        ticket_id,
        lambda: desk.take_over(staff_context(), ticket_id, _me(), reason),
        "已改由您接手这个工单，原处理人会在页面上看到",
    )


@bp.post("/handoffs/<int:ticket_id>/reply")
@require_role(*AGENTS)
def handoff_reply(ticket_id: int) -> ResponseReturnValue:
    text = request.form.get("text", "")
    return _act(ticket_id, lambda: desk.reply(staff_context(), ticket_id, _me(), text), "回复已发送")


@bp.post("/handoffs/<int:ticket_id>/close")
@require_role(*AGENTS)
def handoff_close(ticket_id: int) -> ResponseReturnValue:
    try:
        desk.close(staff_context(), ticket_id, _me())
    except DomainError as exc:
        why = viewing.recall(_subject(ticket_id))
        if not why:
            raise
        return _ticket_page(ticket_id, why, exc.message, status_for(exc))
    flash("已结束人工服务，机器人恢复应答")
    return redirect(url_for("console.handoff_inbox"))
