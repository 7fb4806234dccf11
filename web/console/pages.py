"""The console's home page and the conversation review (the audit log: web/console/audit.py)."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from services.conversation import log as conversation_log
from services.conversation.handoff import CHANNELS
from web.console import bp
from web.console.auth import require_role, staff_context

REVIEWERS = ("dialogue_editor", "admin", "support")


@bp.get("/")
@require_role()
def home() -> ResponseReturnValue:
    return render_template("console/home.html")


@bp.get("/conversations")
@require_role(*REVIEWERS)
def conversations() -> ResponseReturnValue:
    why = request.args.get("why", "").strip()
    channel = request.args.get("channel") or None
    channel = channel if channel in CHANNELS else None
    fallback_only, handoff_only = request.args.get("fallback") == "1", request.args.get("handoff") == "1"
    low_only = request.args.get("low") == "1"
    filters = {"channel": channel, "fallback_only": fallback_only, "handoff_only": handoff_only, "low_only": low_only}
    lines = (
        conversation_log.recent(
            staff_context(),
            why,
            channel=channel,
            fallback_only=fallback_only,
            handoff_only=handoff_only,
            low_confidence_only=low_only,
        )
        if why
        else None
    )
    return render_template(
        "console/conversations.html",
        lines=lines,
        why=why,
        channels=CHANNELS,
        filters=filters,
        status_names=conversation_log.STATUS_NAMES,
        threshold=current_app.config["SETTINGS"].review_low_confidence,
    )
