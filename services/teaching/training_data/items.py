"""Editing the NLU items: examples of intents, synonyms, lookups and regexes
added, edited and deleted (the item created on its first example, removed with
its last), and whole items deleted. Each edit writes its revision in the same
transaction."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import TrainingExample, TrainingFile, TrainingItem, utcnow
from services.context import ServiceContext
from services.errors import Conflict, InvalidInput, NotFound
from services.teaching.training_data.browsing import find_item
from services.teaching.training_data.state import content, revise
from services.teaching.training_data.views import MARKUP, plain_text
from services.teaching.training_yaml import DOMAIN_PATH, NLU_DIR, NLU_KINDS

DEFAULT_NLU_FILE = "data/nlu/console.yml"
FAQ_FILE = "data/nlu/faq.yml"
_NEW_FILE_PREAMBLE = 'version: "3.1"\nnlu:\n'


def _clean_example(kind: str, text: str) -> str:
    cleaned = text.strip()
    if not cleaned or "\n" in cleaned or "\r" in cleaned:
        raise InvalidInput("例句不能为空，也不能换行")
    if len(cleaned) > 300:
        raise InvalidInput("例句太长了（最多300字）")
    if kind == "regex":
        try:
            re.compile(cleaned)
        except re.error as exc:
            raise InvalidInput(f"正则表达式有误：{exc}") from None
    elif cleaned.count("[") != cleaned.count("]") or (
        kind == "intent" and "[" in cleaned and not MARKUP.search(cleaned)
    ):
        raise InvalidInput("实体标注要写成 [原文](实体名)，括号要成对")
    return cleaned


def _check_duplicate(session: Session, row: TrainingItem, text: str, ignore_id: int | None = None) -> None:
    if row.kind != "intent":
        if any(e.text == text and e.id != ignore_id for e in row.examples):
            raise Conflict(f"“{text}”已经在 {row.name} 里了")
        return
    wanted = plain_text(text)
    candidates = session.execute(
        select(TrainingItem.name, TrainingExample.id, TrainingExample.text)
        .join(TrainingExample, TrainingExample.item_id == TrainingItem.id)
        .where(TrainingItem.kind == "intent", TrainingExample.text.like(f"%{wanted[:1]}%"))
    )
    for name, example_id, existing in candidates:
        if example_id != ignore_id and plain_text(existing) == wanted:
            raise Conflict(f"“{wanted}”已经是意图 {name} 的例句", intent=name)


def _default_file(kind: str, name: str) -> str:
    if kind == "response":
        return DOMAIN_PATH
    if kind == "intent" and name.startswith("faq/"):
        return FAQ_FILE
    if kind == "lookup":
        return f"data/nlu/lookups/{name}.yml"
    return DEFAULT_NLU_FILE


def ensure_item(session: Session, kind: str, name: str, source_file: str | None) -> TrainingItem:
    """The item, created (and its file) when it does not exist yet."""
    query = select(TrainingItem).options(selectinload(TrainingItem.examples))
    query = query.where(TrainingItem.kind == kind, TrainingItem.name == name)
    if source_file:
        query = query.where(TrainingItem.source_file == source_file)
    row = session.scalars(query.order_by(TrainingItem.source_file).limit(1)).first()
    if row is not None:
        return row
    path = source_file or _default_file(kind, name)
    if not (path == DOMAIN_PATH or (path.startswith(NLU_DIR + "/") and path.endswith(".yml") and ".." not in path)):
        raise InvalidInput("文件必须在 data/nlu/ 下，以 .yml 结尾")
    if session.get(TrainingFile, path) is None:
        session.add(TrainingFile(path=path, preamble=_NEW_FILE_PREAMBLE, trailer=""))
    last = session.scalar(select(func.max(TrainingItem.position)).where(TrainingItem.source_file == path))
    row = TrainingItem(kind=kind, name=name, source_file=path, position=(last or 0) + 1, comment="", body="{}")
    row.examples = []
    session.add(row)
    session.flush()
    return row


def _renumber(row: TrainingItem) -> None:
    for position, example in enumerate(row.examples):
        example.position = position


def add_example(
    ctx: ServiceContext,
    kind: str,
    name: str,
    text: str,
    *,
    author: str,
    comment: str = "",
    source_file: str | None = None,
) -> int:
    """Add an example (an intent's sentence, a synonym's alias, a lookup entry, a
    regex); the item is created when it does not exist yet."""
    if kind not in NLU_KINDS:
        raise InvalidInput(f"不能给 {kind} 加例句")
    if not name.strip():
        raise InvalidInput("名字不能为空")
    cleaned = _clean_example(kind, text)
    with ctx.db.transaction() as session:
        row = ensure_item(session, kind, name.strip(), source_file)
        before = content(row) if row.examples else None
        _check_duplicate(session, row, cleaned)
        example = TrainingExample(position=len(row.examples), text=cleaned)
        row.examples.append(example)
        row.updated_at = utcnow()
        session.flush()
        revise(
            session,
            author=author,
            comment=comment,
            action="example.add",
            kind=kind,
            name=row.name,
            before=before,
            after=content(row),
        )
        return example.id


def _example_row(session: Session, example_id: int) -> tuple[TrainingExample, TrainingItem]:
    example = session.get(TrainingExample, example_id)
    if example is None:
        raise NotFound(f"没有这条例句 {example_id}")
    row = session.scalars(
        select(TrainingItem).options(selectinload(TrainingItem.examples)).where(TrainingItem.id == example.item_id)
    ).one()
    return example, row


def edit_example(ctx: ServiceContext, example_id: int, text: str, *, author: str, comment: str = "") -> None:
    with ctx.db.transaction() as session:
        example, row = _example_row(session, example_id)
        cleaned = _clean_example(row.kind, text)
        if cleaned == example.text:
            return
        _check_duplicate(session, row, cleaned, ignore_id=example.id)
        before = content(row)
        example.text = cleaned
        row.updated_at = utcnow()
        revise(
            session,
            author=author,
            comment=comment,
            action="example.edit",
            kind=row.kind,
            name=row.name,
            before=before,
            after=content(row),
        )


def delete_example(ctx: ServiceContext, example_id: int, *, author: str, comment: str = "") -> None:
    with ctx.db.transaction() as session:
        example, row = _example_row(session, example_id)
        before = content(row)
        row.examples.remove(example)
        _renumber(row)
        row.updated_at = utcnow()
        after: dict[str, Any] | None = content(row)
        if not row.examples:
            session.delete(row)  # an intent without examples is not valid Rasa data
            after = None
        revise(
            session,
            author=author,
            comment=comment,
            action="example.delete",
            kind=row.kind,
            name=row.name,
            before=before,
            after=after,
        )


def delete_item(ctx: ServiceContext, kind: str, name: str, *, author: str, comment: str = "") -> None:
    with ctx.db.transaction() as session:
        row = find_item(session, kind, name)
        before = content(row)
        session.delete(row)
        revise(session, author=author, comment=comment, action="item.delete", kind=kind, name=name, before=before)
