"""The audit log for administrators and inspectors: filters, paging, CSV export."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue

from services import audit_log
from services.booking.calendar import SHANGHAI
from services.errors import InvalidInput
from web.console import bp
from web.console.auth import require_role, staff_context

ACTION_GROUPS = {
    "staff.": "账号与登录（全部）",
    "handoff.": "转人工（全部）",
    "conversation.": "对话回看（全部）",
    "refill.": "续方（全部）",
    "appointment.": "预约（全部）",
    "payment.": "支付（全部）",
    "triage.": "分诊规则（全部）",
    "training.": "训练数据（全部）",
    "model.": "模型（全部）",
}


def _day(name: str) -> date | None:
    raw = request.values.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("日期格式应为 2026-01-31") from None


def _filters() -> audit_log.Filters:
    since, until = _day("since"), _day("until")
    return audit_log.Filters(
        who=request.values.get("who", "").strip()[:80],
        action=request.values.get("action", "").strip()[:60],
        patient_id=request.values.get("patient", "").strip()[:24],
        since=datetime.combine(since, time.min, SHANGHAI) if since else None,
        until=datetime.combine(until + timedelta(days=1), time.min, SHANGHAI) if until else None,
    )


@bp.get("/audit", endpoint="audit_log")
@require_role("admin")
def audit_log_page() -> ResponseReturnValue:
    page = request.args.get("page", "1")
    found = audit_log.search(staff_context(), _filters(), int(page) if page.isdigit() else 1)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "console/audit.html",
        found=found,
        args=args,
        action_names=audit_log.ACTION_NAMES,
        action_groups=ACTION_GROUPS,
    )


@bp.post("/audit/export")
@require_role("admin")
def audit_export() -> ResponseReturnValue:
    """The filtered log as CSV for an inspection; a reason is required and recorded."""
    text = audit_log.export_csv(staff_context(), _filters(), request.form.get("reason", "")[:200])
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%d-%H%M")
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
