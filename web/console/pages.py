"""The console's home page and the conversation review (the audit log: web/console/audit.py).

The review's viewing reason is posted once and kept for the session's review
(web.console.viewing), so the filters stay plain links without it; revealing the
names in one message is a separate POST with its own reason.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from services.booking import calendar as clinic_calendar
from services.conversation import labels
from services.conversation import log as conversation_log
from services.conversation.handoff import CHANNELS
from services.errors import InvalidInput
from web.console import bp, viewing
from web.console.auth import require_role, staff_context
from web.console.handoffs import CHANNEL_NAMES

REVIEWERS = ("dialogue_editor", "admin", "support")
SUBJECT = "conversations"


@bp.get("/")
@require_role()
def home() -> ResponseReturnValue:
    # The booking window reaching a year whose holidays nobody entered: staff must fill them in.
    horizon = current_app.config["SETTINGS"].booking_horizon_days
    warning = clinic_calendar.calendar_warning(clinic_calendar.local_today(), horizon + 1)
    return render_template("console/home.html", calendar_warning=warning)


def _filters() -> dict[str, object]:
    channel = request.values.get("channel") or None
    return {
        "channel": channel if channel in CHANNELS else None,
        "fallback_only": request.values.get("fallback") == "1",
        "handoff_only": request.values.get("handoff") == "1",
        "low_only": request.values.get("low") == "1",
    }


def _filter_args(filters: dict[str, object]) -> dict[str, str]:
    args = {"channel": str(filters["channel"] or "")}
    args.update(
        {
            key: "1"
            for key, flag in (("fallback", "fallback_only"), ("handoff", "handoff_only"), ("low", "low_only"))
            if filters[flag]
        }
    )
    return {k: v for k, v in args.items() if v}


def _review_page(revealed: conversation_log.ReviewLine | None = None) -> ResponseReturnValue:
    why = viewing.recall(SUBJECT)
    filters = _filters()
    lines = (
        conversation_log.recent(
            staff_context(),
            why,
            channel=filters["channel"],  # type: ignore[arg-type]
            fallback_only=bool(filters["fallback_only"]),
            handoff_only=bool(filters["handoff_only"]),
            low_confidence_only=bool(filters["low_only"]),
        )
        if why
        else None
    )
    return render_template(
        "console/conversations.html",
        lines=lines,
        why=why,
        channels=CHANNELS,
        channel_names=CHANNEL_NAMES,
        filters=filters,
        filter_args=_filter_args(filters),
        intent_label=labels.intent_label,
        revealed=revealed,
        status_names=conversation_log.STATUS_NAMES,
        threshold=current_app.config["SETTINGS"].review_low_confidence,
    )


@bp.get("/conversations")
@require_role(*REVIEWERS)
def conversations() -> ResponseReturnValue:
    return _review_page()


@bp.post("/conversations/why")
@require_role(*REVIEWERS)
def conversations_why() -> ResponseReturnValue:
    why = viewing.posted_why()
    if len(why) < 2:
        raise InvalidInput("查看患者对话前请填写查看原因")
    viewing.remember(SUBJECT, why)
    args: dict[str, Any] = dict(_filter_args(_filters()))
    return redirect(url_for("console.conversations", **args))


@bp.post("/conversations/<int:message_id>/reveal")
@require_role(*REVIEWERS)
def conversation_reveal(message_id: int) -> ResponseReturnValue:
    """Show the names in one message (audited with the reason typed for it)."""
    revealed = conversation_log.reveal(staff_context(), message_id, request.form.get("reason", "")[:200])
    return _review_page(revealed)
