"""Teaching the bot: browse and edit the training data, pending changes and history,
export/import, train and compare models, activate or roll back, triage proposals,
and a reviewed message turned into an example.

The pages only translate forms into calls of the services (services/teaching/training_data.py,
model_lifecycle.py, triage_changes.py, conversation_review.py), which check the rules,
write the revisions and the audit log. Where things live (the checkout to export to,
models, data/triage) comes from `app.extensions["lifecycle_paths"]` when a test sets
it, else the settings' directories (`LifecyclePaths.from_settings`); the Rasa server
is `settings.rasa_url`.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from integrations.rasa.model_api import RasaModelApi
from models import StaffAccount
from services.booking.calendar import SHANGHAI
from services.conversation import review as conversation_review
from services.errors import InvalidInput, NotFound
from services.staff.accounts import StaffIdentity
from services.teaching import model_lifecycle as ml
from services.teaching import training_data as td
from services.teaching import triage_changes
from web.console import bp
from web.console.auth import _safe_next, current_staff, require_role, staff_context
from web.console.training_cli import enqueue_training

EDITORS = ("dialogue_editor", "admin")
TRIAGE_READERS = ("clinician", "dialogue_editor", "admin")
PROPOSERS = ("clinician", "dialogue_editor")
KIND_NAMES = {
    "intent": "意图",
    "synonym": "同义词（科室别名）",
    "lookup": "查找表",
    "regex": "正则",
    "response": "回复",
    "faq": "常见问题答案",
}
VERSION_STATUS = {
    "queued": "排队中",
    "validating": "校验数据",
    "training": "训练中",
    "evaluating": "评估中",
    "ready": "可启用",
    "failed": "失败",
}
PROPOSAL_STATUS = {"pending": "待审核", "applied": "已上线", "failed": "未通过分诊测试", "rejected": "已驳回"}
ACTION_NAMES = {
    "import": "导入",
    "example.add": "添加例句",
    "example.edit": "修改例句",
    "example.delete": "删除例句",
    "item.create": "新建",
    "item.update": "修改",
    "item.delete": "删除",
}
FAQ_PREFIX = "utter_faq/"


def _who() -> StaffIdentity:
    who = current_staff()
    assert who is not None
    return who


def _paths() -> ml.LifecyclePaths:
    paths = current_app.extensions.get("lifecycle_paths")
    return (
        paths
        if isinstance(paths, ml.LifecyclePaths)
        else ml.LifecyclePaths.from_settings(current_app.config["SETTINGS"])
    )


def _form(name: str, limit: int = 500) -> str:
    return request.form.get(name, "")[:limit]


@bp.app_template_filter("local_time")
def _local_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(SHANGHAI).strftime(fmt) if value else ""


@bp.app_template_filter("staff_name")
def _staff_name(actor: str | None) -> str:
    """`staff:<id>` → the person's display name (revisions and versions store the actor)."""
    if not actor or not actor.startswith("staff:"):
        return actor or ""
    names: dict[str, str] = g.setdefault("staff_names", {})
    if actor not in names:
        with staff_context().db.reading() as session:
            name = session.scalar(select(StaffAccount.display_name).where(StaffAccount.id == actor[6:]))
        names[actor] = name or actor
    return names[actor]


@bp.app_template_filter("pretty_json")
def _pretty_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


@bp.app_context_processor
def _teaching_globals() -> dict[str, Any]:
    def intent_names() -> list[str]:
        """Called only by pages that offer "加为训练例句" (the conversation review)."""
        return sorted({i.name for i in td.list_items(staff_context(), "intent")})

    return {"teaching_intents": intent_names, "kind_names": KIND_NAMES}


# --- browsing and editing ---------------------------------------------------------


def _items_of(kind: str) -> list[td.ItemView]:
    if kind == "faq":
        return [i for i in td.list_items(staff_context(), "response") if i.name.startswith(FAQ_PREFIX)]
    items = td.list_items(staff_context(), kind)
    return [i for i in items if not i.name.startswith(FAQ_PREFIX)] if kind == "response" else items


@bp.get("/teaching")
@require_role(*EDITORS)
def teaching_items() -> ResponseReturnValue:
    kind = request.args.get("kind", "intent")
    kind = kind if kind in KIND_NAMES else "intent"
    query = request.args.get("q", "").strip()[:100]
    hits = td.search(staff_context(), query) if query else None
    items = None if hits is not None else _items_of(kind)
    pending = len(td.pending_changes(staff_context()))
    return render_template("teaching/items.html", kind=kind, query=query, hits=hits, items=items, pending=pending)


@bp.get("/teaching/item/<kind>/<path:name>")
@require_role(*EDITORS)
def teaching_item(kind: str, name: str) -> ResponseReturnValue:
    if kind not in KIND_NAMES or kind == "faq":
        raise NotFound("没有这种训练数据")
    item = td.get_item(staff_context(), kind, name)
    revisions = td.history(staff_context(), kind, name, limit=5)
    return render_template("teaching/item.html", item=item, revisions=revisions, action_names=ACTION_NAMES)


def _item_url(kind: str, name: str) -> str:
    return url_for("console.teaching_item", kind=kind, name=name)


@bp.post("/teaching/examples")
@require_role(*EDITORS)
def teaching_example_add() -> ResponseReturnValue:
    kind, name = _form("kind", 20), _form("name", 120).strip()
    td.add_example(staff_context(), kind, name, _form("text", 400), author=_who().actor, comment=_form("comment"))
    flash("已添加例句（待导出或训练后生效）")
    return redirect(_item_url(kind, name))


@bp.post("/teaching/examples/<int:example_id>/edit")
@require_role(*EDITORS)
def teaching_example_edit(example_id: int) -> ResponseReturnValue:
    td.edit_example(staff_context(), example_id, _form("text", 400), author=_who().actor, comment=_form("comment"))
    flash("已修改例句")
    return redirect(_item_url(_form("kind", 20), _form("name", 120)))


@bp.post("/teaching/examples/<int:example_id>/delete")
@require_role(*EDITORS)
def teaching_example_delete(example_id: int) -> ResponseReturnValue:
    kind, name = _form("kind", 20), _form("name", 120)
    td.delete_example(staff_context(), example_id, author=_who().actor, comment=_form("comment"))
    flash("已删除例句")
    try:
        td.get_item(staff_context(), kind, name)
    except NotFound:  # that was the last example: the item is gone
        return redirect(url_for("console.teaching_items", kind=kind))
    return redirect(_item_url(kind, name))


@bp.post("/teaching/responses")
@require_role(*EDITORS)
def teaching_response_save() -> ResponseReturnValue:
    """Texts of the variations, in order; buttons and other keys of each stay."""
    name = _form("name", 120).strip()
    texts = [t.strip() for t in request.form.getlist("text")][:20]
    try:
        old = [dict(v) for v in td.get_item(staff_context(), "response", name).body.get("variations") or []]
    except NotFound:
        old = []
    variations = []
    for index, text in enumerate(texts):
        if not text:
            continue  # an emptied box removes that variation
        base = old[index] if index < len(old) else {}
        variations.append({**base, "text": text.replace("\r\n", "\n")})
    td.set_response(staff_context(), name, variations, author=_who().actor, comment=_form("comment"))
    flash("已保存回复（待导出或训练后生效）")
    return redirect(_item_url("response", name))


@bp.post("/teaching/item/<kind>/<path:name>/delete")
@require_role(*EDITORS)
def teaching_item_delete(kind: str, name: str) -> ResponseReturnValue:
    td.delete_item(staff_context(), kind, name, author=_who().actor, comment=_form("comment"))
    flash(f"已删除 {name}")
    return redirect(url_for("console.teaching_items", kind=kind))


@bp.get("/teaching/pending")
@require_role(*EDITORS)
def teaching_pending() -> ResponseReturnValue:
    ctx = staff_context()
    changes, diff = td.pending_changes(ctx), td.pending_diff(ctx)
    return render_template("teaching/pending.html", changes=changes, diff_lines=diff.splitlines())


@bp.get("/teaching/history")
@require_role(*EDITORS)
def teaching_history() -> ResponseReturnValue:
    kind = request.args.get("kind") or None
    name = request.args.get("name") or None
    revisions = td.history(staff_context(), kind, name, limit=200)
    return render_template(
        "teaching/history.html", revisions=revisions, kind=kind, name=name, action_names=ACTION_NAMES
    )


@bp.post("/teaching/export")
@require_role(*EDITORS)
def teaching_export() -> ResponseReturnValue:
    files = td.export_directory(staff_context(), _paths().repo, author=_who().actor)
    flash(f"已导出 {len(files)} 个文件到 data/ 和 bot/domain.yml，请提交到 git")
    return redirect(url_for("console.teaching_pending"))


@bp.post("/teaching/import")
@require_role(*EDITORS)
def teaching_import() -> ResponseReturnValue:
    summary = td.import_directory(
        staff_context(), _paths().repo, author=_who().actor, force=request.form.get("force") == "1"
    )
    flash(f"已从 data/ 导入 {summary.items} 项（{summary.examples} 条例句，{summary.responses} 条回复）")
    return redirect(url_for("console.teaching_items"))


# --- models ---------------------------------------------------------------------------


@bp.get("/teaching/models")
@require_role(*EDITORS)
def teaching_models() -> ResponseReturnValue:
    versions = ml.list_versions(staff_context())
    return render_template("teaching/models.html", versions=versions, status_names=VERSION_STATUS)


@bp.post("/teaching/models/train")
@require_role(*EDITORS)
def teaching_train() -> ResponseReturnValue:
    version = ml.request_training(staff_context(), author=_who().actor, comment=_form("comment"), paths=_paths())
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
    ml.activate(ctx, version_id, RasaModelApi(ctx.settings.rasa_url), actor=_who().actor, reason=_form("reason"))
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


# --- triage proposals -------------------------------------------------------------------


def _triage_files() -> dict[str, str]:
    directory = _paths().triage
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.yml"))}


@bp.get("/teaching/triage")
@require_role(*TRIAGE_READERS)
def teaching_triage() -> ResponseReturnValue:
    proposals = triage_changes.list_proposals(staff_context())
    files = _triage_files()
    chosen = request.args.get("file", "")
    return render_template(
        "teaching/triage.html",
        proposals=proposals,
        files=sorted(files),
        chosen=chosen if chosen in files else None,
        text=files.get(chosen, ""),
        status_names=PROPOSAL_STATUS,
    )


@bp.post("/teaching/triage")
@require_role(*PROPOSERS)
def teaching_triage_propose() -> ResponseReturnValue:
    name, text = _form("file", 80), request.form.get("text", "")[:200_000].replace("\r\n", "\n")
    current = _triage_files().get(name)
    if current is not None and current == text:
        raise InvalidInput("内容没有变化")
    proposal = triage_changes.propose(
        staff_context(), {name: text}, proposer=_who().actor, comment=_form("comment"), triage_dir=_paths().triage
    )
    flash("已提出修改，需要另一位临床医生审核并通过分诊测试后才会上线")
    return redirect(url_for("console.teaching_proposal", proposal_id=proposal))


TRIAGE_FORM_BYTES = 1024 * 1024  # a rules file is ~30 KB of Chinese, three times that URL-encoded


@bp.before_app_request
def _room_for_a_rules_file() -> None:
    """The app's 64 KB request limit is for patients' requests; a proposal carries a whole
    file. App-level, so it runs before the console's CSRF check reads the form."""
    if request.endpoint == "console.teaching_triage_propose":
        request.max_content_length = TRIAGE_FORM_BYTES
        request.max_form_memory_size = TRIAGE_FORM_BYTES


@bp.get("/teaching/triage/<proposal_id>")
@require_role(*TRIAGE_READERS)
def teaching_proposal(proposal_id: str) -> ResponseReturnValue:
    proposal = triage_changes.get_proposal(staff_context(), proposal_id)
    live = _triage_files()
    diffs = {
        name: list(
            difflib.unified_diff(
                live.get(name, "").splitlines(), text.splitlines(), f"现行 {name}", f"提议 {name}", lineterm=""
            )
        )
        for name, text in proposal.files.items()
    }
    who = _who()
    may_decide = proposal.status == "pending" and "clinician" in who.roles and who.actor != proposal.proposer
    return render_template(
        "teaching/proposal.html", p=proposal, diffs=diffs, may_decide=may_decide, status_names=PROPOSAL_STATUS
    )


@bp.post("/teaching/triage/<proposal_id>/approve")
@require_role("clinician")
def teaching_proposal_approve(proposal_id: str) -> ResponseReturnValue:
    who = _who()
    try:
        triage_changes.approve(
            staff_context(), proposal_id, reviewer=who.actor, roles=set(who.roles), triage_dir=_paths().triage
        )
    except triage_changes.TriageGateFailed as exc:
        failures = exc.details.get("failures")
        flash(f"{exc.message}：{'；'.join(str(f) for f in failures) if isinstance(failures, list) else ''}")
    else:
        flash("已批准并上线；请重启应用和动作服务器以加载新规则")
    return redirect(url_for("console.teaching_proposal", proposal_id=proposal_id))


@bp.post("/teaching/triage/<proposal_id>/reject")
@require_role("clinician")
def teaching_proposal_reject(proposal_id: str) -> ResponseReturnValue:
    who = _who()
    triage_changes.reject(
        staff_context(), proposal_id, reviewer=who.actor, roles=set(who.roles), reason=_form("reason")
    )
    flash("已驳回这个修改")
    return redirect(url_for("console.teaching_proposal", proposal_id=proposal_id))


# --- conversation review → example ----------------------------------------------------


@bp.post("/teaching/review/<int:message_id>/example")
@require_role(*EDITORS)
def teaching_example_from_message(message_id: int) -> ResponseReturnValue:
    intent = _form("intent", 120).strip()
    if not intent:
        raise InvalidInput("请选择这句话应属于的意图")
    text = _form("text", 400).strip() or None
    conversation_review.example_from_message(staff_context(), message_id, intent, author=_who().actor, text=text)
    flash(f"已把这条消息加为意图 {intent} 的训练例句（号码已打码）")
    return redirect(_safe_next(request.form.get("next")))
