"""The hand-off inbox: tickets, a ticket with its conversation, reply, hand back."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from services.conversation import handoff
from web.console import bp
from web.console.auth import current_staff, require_role, staff_context

AGENTS = ("support", "clinician", "admin")
REASON_NAMES = {"asked_for_human": "患者要求转人工", "bot_gave_up": "机器人连续两次没听懂"}
STATUS_NAMES = {"open": "待接手", "claimed": "处理中", "closed": "已结束"}
CHANNEL_NAMES = {"web": "网页", "wechat": "微信", "alipay": "支付宝", "sms": "短信"}


def _names() -> dict[str, dict[str, str]]:
    return {"reason_names": REASON_NAMES, "status_names": STATUS_NAMES, "channel_names": CHANNEL_NAMES}


def _me() -> str:
    who = current_staff()
    assert who is not None
    return who.id


@bp.get("/handoffs")
@require_role(*AGENTS)
def handoff_inbox() -> ResponseReturnValue:
    closed = request.args.get("closed") == "1"
    tickets = handoff.list_tickets(staff_context(), include_closed=closed)
    return render_template("console/handoffs.html", tickets=tickets, closed=closed, **_names())


@bp.get("/handoffs/<int:ticket_id>")
@require_role(*AGENTS)
def handoff_ticket(ticket_id: int) -> ResponseReturnValue:
    why = request.args.get("why", "").strip()
    if not why:
        return render_template("console/why.html", subject=f"转人工工单 #{ticket_id}", action=request.path)
    view = handoff.view_ticket(staff_context(), ticket_id, why)
    return render_template("console/handoff.html", view=view, why=why, **_names())


def _back(ticket_id: int) -> ResponseReturnValue:
    why = request.form.get("why", "").strip() or "处理转人工工单"
    return redirect(url_for("console.handoff_ticket", ticket_id=ticket_id, why=why))


@bp.post("/handoffs/<int:ticket_id>/claim")
@require_role(*AGENTS)
def handoff_claim(ticket_id: int) -> ResponseReturnValue:
    handoff.claim(staff_context(), ticket_id, _me())
    flash("已接手这个工单")
    return _back(ticket_id)


@bp.post("/handoffs/<int:ticket_id>/reply")
@require_role(*AGENTS)
def handoff_reply(ticket_id: int) -> ResponseReturnValue:
    handoff.reply(staff_context(), ticket_id, _me(), request.form.get("text", ""))
    flash("回复已发送")
    return _back(ticket_id)


@bp.post("/handoffs/<int:ticket_id>/close")
@require_role(*AGENTS)
def handoff_close(ticket_id: int) -> ResponseReturnValue:
    handoff.close(staff_context(), ticket_id, _me())
    flash("已结束人工服务，机器人恢复应答")
    return redirect(url_for("console.handoff_inbox"))
