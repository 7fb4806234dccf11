"""Editing the bot's responses (`utter_*` in bot/domain.yml): whole variations
with their buttons, and the shortcut for an FAQ answer that keeps the buttons."""

from __future__ import annotations

import json
import re
from typing import Any

from models import utcnow
from services.context import ServiceContext
from services.errors import InvalidInput, NotFound
from services.teaching.training_data.browsing import get_item
from services.teaching.training_data.items import ensure_item
from services.teaching.training_data.state import content, revise
from services.teaching.training_yaml import DOMAIN_PATH


def _check_variations(variations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not variations:
        raise InvalidInput("回复至少要有一条")
    for variation in variations:
        if not isinstance(variation, dict) or not str(variation.get("text") or "").strip():
            raise InvalidInput("每条回复都要有文字")
        for button in variation.get("buttons") or []:
            if not isinstance(button, dict) or not button.get("title") or not button.get("payload"):
                raise InvalidInput("按钮要有标题（title）和内容（payload）")
    return variations


def set_response(
    ctx: ServiceContext, name: str, variations: list[dict[str, Any]], *, author: str, comment: str = ""
) -> None:
    """Create or replace a bot response (`utter_*`, text and buttons)."""
    if not name.startswith("utter_"):
        raise InvalidInput("回复的名字以 utter_ 开头")
    body = {"variations": _check_variations(variations)}
    with ctx.db.transaction() as session:
        row = ensure_item(session, "response", name, DOMAIN_PATH)
        before = content(row) if row.body != "{}" else None
        if before is not None and before["body"] == body:
            return
        row.body = json.dumps(body, ensure_ascii=False)
        row.raw = None
        row.updated_at = utcnow()
        revise(
            ctx,
            session,
            author=author,
            comment=comment,
            action="item.update" if before else "item.create",
            kind="response",
            name=name,
            before=before,
            after=content(row),
        )


def set_faq_answer(ctx: ServiceContext, topic: str, text: str, *, author: str, comment: str = "") -> None:
    """The answer to `faq/<topic>` (response `utter_faq/<topic>`); buttons stay."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", topic):
        raise InvalidInput("FAQ 主题用小写英文字母、数字和下划线")
    name = f"utter_faq/{topic}"
    try:
        variations = [dict(v) for v in get_item(ctx, "response", name).body.get("variations") or []]
    except NotFound:
        variations = []
    if variations:
        variations[0]["text"] = text
    else:
        variations = [{"text": text}]
    set_response(ctx, name, variations, author=author, comment=comment)
