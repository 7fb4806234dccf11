"""What the teaching pages share: who may see them, where a training run keeps
things, the form helper, and the template filters and globals they (and the
conversation pages, which offer "加为训练例句") use.

Where things live (the checkout to export to, models, data/triage) comes from
`app.extensions["lifecycle_paths"]` when a test sets it, else the settings'
directories (`LifecyclePaths.from_settings`).
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, g, request
from sqlalchemy import select

from models import Department, StaffAccount
from services.booking.calendar import SHANGHAI
from services.conversation import labels
from services.staff.accounts import StaffIdentity
from services.teaching import model_lifecycle as ml
from services.teaching import training_data as td
from web.console import bp
from web.console.auth import current_staff, staff_context

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


def staff_member() -> StaffIdentity:
    """The signed-in staff member; every teaching route is behind `require_role`."""
    who = current_staff()
    assert who is not None
    return who


def lifecycle_paths() -> ml.LifecyclePaths:
    paths = current_app.extensions.get("lifecycle_paths")
    return (
        paths
        if isinstance(paths, ml.LifecyclePaths)
        else ml.LifecyclePaths.from_settings(current_app.config["SETTINGS"])
    )


def ensure_seeded() -> None:
    """Load `data/` on the first visit to a teaching page of a fresh system (once
    per process; the service makes concurrent first visits safe)."""
    if current_app.extensions.get("training_seeded"):
        return
    td.seed_if_empty(staff_context(), lifecycle_paths().repo)
    current_app.extensions["training_seeded"] = True


def form_field(name: str, limit: int = 500) -> str:
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

    return {"teaching_intents": intent_names, "kind_names": KIND_NAMES, "item_label": _item_label}


def _item_label(kind: str, name: str) -> str:
    """The name staff know beside a code: an intent's meaning, a synonym's department."""
    if kind == "intent":
        return labels.intent_names().get(name, "")
    if kind != "synonym":
        return ""
    departments: dict[str, str] | None = g.get("department_names")
    if departments is None:
        with staff_context().db.reading() as session:
            departments = {code: name for code, name in session.execute(select(Department.code, Department.name))}
        g.department_names = departments
    return departments.get(name, "")
