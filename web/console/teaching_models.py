"""Teaching the bot, the models: train a version from the current data, follow
its run, compare it with the one online, activate it (or an older one, to roll
back) on the running Rasa server (`settings.rasa_url`).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from integrations.rasa.fleet import model_server_for
from services.teaching import model_lifecycle as ml
from web.console import bp
from web.console.auth import require_role, staff_context
from web.console.teaching_common import EDITORS, form_field, lifecycle_paths, staff_member
from web.console.training_cli import enqueue_training

VERSION_STATUS = {
    "queued": "排队中",
    "validating": "校验数据",
    "training": "训练中",
    "evaluating": "评估中",
    "ready": "可启用",
    "failed": "失败",
}


@bp.get("/teaching/models")
@require_role(*EDITORS)
def teaching_models() -> ResponseReturnValue:
    versions = ml.list_versions(staff_context())
    return render_template("teaching/models.html", versions=versions, status_names=VERSION_STATUS)


@bp.post("/teaching/models/train")
@require_role(*EDITORS)
def teaching_train() -> ResponseReturnValue:
    version = ml.request_training(
        staff_context(), author=staff_member().actor, comment=form_field("comment"), paths=lifecycle_paths()
    )
    enqueue_training(current_app._get_current_object(), version)  # type: ignore[attr-defined]
    flash("已提交训练：先校验数据，再训练，再和线上模型比较")
    return redirect(url_for("console.teaching_model", version_id=version))


@bp.get("/teaching/models/<version_id>")
@require_role(*EDITORS)
def teaching_model(version_id: str) -> ResponseReturnValue:
    ctx = staff_context()
    view = ml.get_version(ctx, version_id)
    active = ml.active_version(ctx)
    rollback = active is not None and active.id != view.id and view.created_at < active.created_at
    return render_template(
        "teaching/model.html",
        v=view,
        active=active,
        rollback=rollback,
        status_names=VERSION_STATUS,
        comparison=_comparison(view.evaluation),
    )


@bp.get("/teaching/models/<version_id>/status")
@require_role(*EDITORS)
def teaching_model_status(version_id: str) -> ResponseReturnValue:
    view = ml.get_version(staff_context(), version_id)
    return jsonify(
        id=view.id,
        status=view.status,
        status_name=VERSION_STATUS.get(view.status, view.status),
        finished=view.status in ("ready", "failed"),
        error=view.error,
        active=view.active,
        log_tail=view.log_tail[-4000:],
    )


@bp.post("/teaching/models/<version_id>/activate")
@require_role(*EDITORS)
def teaching_activate(version_id: str) -> ResponseReturnValue:
    ctx = staff_context()
    server = model_server_for(
        ctx.settings.rasa_url, ctx.settings.rasa_auth_token or None, pulled=ctx.settings.rasa_model_pull
    )
    ml.activate(ctx, version_id, server, actor=staff_member().actor, reason=form_field("reason"))
    flash(f"模型 {version_id} 已在线上启用")
    return redirect(url_for("console.teaching_model", version_id=version_id))


METRICS = (
    ("intent_macro_f1", "意图 macro-F1"),
    ("intent_accuracy", "意图准确率"),
    ("faq_topic_accuracy", "常见问题主题准确率"),
    ("department_accuracy", "科室识别准确率"),
    ("examples", "留出测试句数"),
)


def _comparison(evaluation: dict[str, Any] | None) -> dict[str, Any] | None:
    """The evaluation laid out for the page: headline figures, per-intent F1 that moved."""
    if not evaluation:
        return None
    candidate = evaluation.get("candidate") or {}
    active = evaluation.get("active") or {}
    rows = [(label, active.get(key), candidate.get(key)) for key, label in METRICS]
    intents = []
    a_per, c_per = active.get("per_intent") or {}, candidate.get("per_intent") or {}
    for intent in sorted(set(a_per) | set(c_per)):
        before, after = (a_per.get(intent) or {}).get("f1"), (c_per.get(intent) or {}).get("f1")
        if before != after:
            intents.append((intent, before, after))
    return {
        "rows": rows,
        "has_active": bool(active),
        "intents": intents,
        "confusions": evaluation.get("confusions_changed") or [],
        "newly_wrong": evaluation.get("newly_wrong") or [],
        "newly_right": evaluation.get("newly_right") or [],
        "triage": evaluation.get("triage"),
    }
