"""Teaching the bot, the training data: browse and edit items, examples and
responses, pending changes and history, export/import, and a reviewed message
turned into an example. Models are in teaching_models.py, triage proposals in
teaching_triage.py, shared helpers in teaching_common.py.

The pages only translate forms into calls of the services
(services/teaching/training_data/, services/conversation/review.py), which
check the rules, write the revisions and the audit log.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from services.conversation import review as conversation_review
from services.errors import InvalidInput, NotFound
from services.teaching import training_data as td
from web.console import bp
from web.console.auth import _safe_next, require_role, staff_context
from web.console.teaching_common import (
    EDITORS,
    KIND_NAMES,
    ensure_seeded,
    form_field,
    lifecycle_paths,
    staff_member,
)

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
PAGE_SIZE = 50  # examples per page of an item (affirm has 138)


def _items_of(kind: str) -> list[td.ItemView]:
    if kind == "faq":
        return [i for i in td.list_items(staff_context(), "response") if i.name.startswith(FAQ_PREFIX)]
    items = td.list_items(staff_context(), kind)
    return [i for i in items if not i.name.startswith(FAQ_PREFIX)] if kind == "response" else items


@bp.get("/teaching")
@require_role(*EDITORS)
def teaching_items() -> ResponseReturnValue:
    ensure_seeded()
    kind = request.args.get("kind", "intent")
    kind = kind if kind in KIND_NAMES else "intent"
    query = request.args.get("q", "").strip()[:100]
    hits = td.search(staff_context(), query) if query else None
    items = None if hits is not None else _items_of(kind)
    pending = len(td.pending_changes(staff_context()))
    return render_template(
        "teaching/items.html",
        kind=kind,
        query=query,
        hits=hits,
        items=items,
        pending=pending,
        loaded=td.has_data(staff_context()),
        page_size=PAGE_SIZE,
    )


@bp.get("/teaching/item/<kind>/<path:name>")
@require_role(*EDITORS)
def teaching_item(kind: str, name: str) -> ResponseReturnValue:
    """All of the item's examples, from every block and file, a page at a time."""
    if kind not in KIND_NAMES or kind == "faq":
        raise NotFound("没有这种训练数据")
    ensure_seeded()
    item = td.get_item(staff_context(), kind, name)
    pages = max(1, -(-len(item.examples) // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    shown = item.examples[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    revisions = td.history(staff_context(), kind, name, limit=5)
    return render_template(
        "teaching/item.html",
        item=item,
        examples=shown,
        page=page,
        pages=pages,
        first=(page - 1) * PAGE_SIZE,
        revisions=revisions,
        action_names=ACTION_NAMES,
    )


def _item_url(kind: str, name: str) -> str:
    return url_for("console.teaching_item", kind=kind, name=name)


@bp.post("/teaching/examples")
@require_role(*EDITORS)
def teaching_example_add() -> ResponseReturnValue:
    kind, name = form_field("kind", 20), form_field("name", 120).strip()
    create = form_field("create", 1) == "1"  # only the explicit "新建" form makes a new item
    added = td.add_example(
        staff_context(),
        kind,
        name,
        form_field("text", 400),
        author=staff_member().actor,
        comment=form_field("comment"),
        create=create,
    )
    flash(f"已新建 {name}（待导出或训练后生效）" if create else "已添加例句（待导出或训练后生效）")
    return redirect(_page_showing(kind, name, added))


def _page_showing(kind: str, name: str, example_id: int) -> str:
    """The item page on which the new example is listed: an item spread over several files
    ("pay" has more than one page) lists it in its file's place, not always on page 1."""
    ids = [example.id for example in td.get_item(staff_context(), kind, name).examples]
    page = ids.index(example_id) // PAGE_SIZE + 1 if example_id in ids else 1
    return _item_url(kind, name) + (f"?page={page}" if page > 1 else "")


@bp.post("/teaching/examples/<int:example_id>/edit")
@require_role(*EDITORS)
def teaching_example_edit(example_id: int) -> ResponseReturnValue:
    td.edit_example(
        staff_context(), example_id, form_field("text", 400), author=staff_member().actor, comment=form_field("comment")
    )
    flash("已修改例句")
    return redirect(_item_url(form_field("kind", 20), form_field("name", 120)))


@bp.post("/teaching/examples/<int:example_id>/delete")
@require_role(*EDITORS)
def teaching_example_delete(example_id: int) -> ResponseReturnValue:
    kind, name = form_field("kind", 20), form_field("name", 120)
    td.delete_example(staff_context(), example_id, author=staff_member().actor, comment=form_field("comment"))
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
    name = form_field("name", 120).strip()
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
    td.set_response(staff_context(), name, variations, author=staff_member().actor, comment=form_field("comment"))
    flash("已保存回复（待导出或训练后生效）")
    return redirect(_item_url("response", name))


@bp.post("/teaching/item/<kind>/<path:name>/delete")
@require_role(*EDITORS)
def teaching_item_delete(kind: str, name: str) -> ResponseReturnValue:
    td.delete_item(staff_context(), kind, name, author=staff_member().actor, comment=form_field("comment"))
    flash(f"已删除 {name}")
    return redirect(url_for("console.teaching_items", kind=kind))


@bp.get("/teaching/pending")
@require_role(*EDITORS)
def teaching_pending() -> ResponseReturnValue:
    ensure_seeded()
    ctx = staff_context()
    changes, diff = td.pending_changes(ctx), td.pending_diff(ctx)
    return render_template(
        "teaching/pending.html", changes=changes, diff_lines=diff.splitlines(), loaded=td.has_data(ctx)
    )


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
    files = td.export_directory(staff_context(), lifecycle_paths().repo, author=staff_member().actor)
    flash(f"已导出 {len(files)} 个文件到 data/ 和 bot/domain.yml，请提交到 git")
    return redirect(url_for("console.teaching_pending"))


@bp.post("/teaching/import")
@require_role(*EDITORS)
def teaching_import() -> ResponseReturnValue:
    summary = td.import_directory(
        staff_context(), lifecycle_paths().repo, author=staff_member().actor, force=request.form.get("force") == "1"
    )
    flash(f"已从 data/ 导入 {summary.items} 项（{summary.examples} 条例句，{summary.responses} 条回复）")
    return redirect(url_for("console.teaching_items"))


# --- conversation review → example ----------------------------------------------------


@bp.post("/teaching/review/<int:message_id>/example")
@require_role(*EDITORS)
def teaching_example_from_message(message_id: int) -> ResponseReturnValue:
    intent = form_field("intent", 120).strip()
    if not intent:
        raise InvalidInput("请选择这句话应属于的意图")
    text = form_field("text", 400).strip() or None
    author = staff_member().actor
    conversation_review.example_from_message(staff_context(), message_id, intent, author=author, text=text)
    flash(f"已把这条消息加为意图 {intent} 的训练例句（号码已打码）")
    return redirect(_safe_next(request.form.get("next")))
