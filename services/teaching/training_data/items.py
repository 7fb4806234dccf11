"""Editing the NLU items: examples of intents, synonyms, lookups and regexes
added, edited and deleted (the item created on its first example, removed with
its last), and whole items deleted. Each edit writes its revision in the same
transaction."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import Department, TrainingExample, TrainingFile, TrainingItem, utcnow
from services.context import ServiceContext
from services.errors import Conflict, InvalidInput, NotFound
from services.teaching.training_data.browsing import find_rows
from services.teaching.training_data.naming import check_new_intent_name
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
    """The same example twice is refused, naming where it already is: an alias of
    two departments would make the bot pick one at random."""
    if row.kind != "intent":
        same_text = session.execute(
            select(TrainingItem.name, TrainingExample.id)
            .join(TrainingExample, TrainingExample.item_id == TrainingItem.id)
            .where(TrainingItem.kind == row.kind, TrainingExample.text == text)
        )
        for name, example_id in same_text:
            if example_id == ignore_id:
                continue
            if name == row.name:
                raise Conflict(f"“{text}”已经在 {row.name} 里了")
            if row.kind == "synonym":
                department = session.scalar(select(Department.name).where(Department.code == name))
                where = f"{department}（{name}）" if department else name
                raise Conflict(f"“{text}”已经是 {where} 的别名，不能同时指向 {row.name}", other=name)
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


def ensure_item(
    session: Session, kind: str, name: str, source_file: str | None, *, create: bool = True
) -> TrainingItem:
    """The item, created (and its file) when it does not exist yet and `create` allows."""
    query = select(TrainingItem).options(selectinload(TrainingItem.examples))
    query = query.where(TrainingItem.kind == kind, TrainingItem.name == name)
    if source_file:
        query = query.where(TrainingItem.source_file == source_file)
    rows = list(session.scalars(query.order_by(TrainingItem.source_file)))
    if rows:
        # An intent may be spread over several files (payment.yml and more_errands.yml both
        # hold `pay`): a new example goes to its home, the file with most of its examples.
        return max(rows, key=lambda row: (len(row.examples), -rows.index(row)))
    if not create:
        raise _unknown(session, kind, name)
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


def _unknown(session: Session, kind: str, name: str) -> InvalidInput:
    """A typo must not become a new item: say so, with the names that exist."""
    names = sorted(set(session.scalars(select(TrainingItem.name).where(TrainingItem.kind == kind))))
    label = "意图" if kind == "intent" else "条目"
    shown = "、".join(names[:80]) + ("……" if len(names) > 80 else "")
    return InvalidInput(f"没有{label} {name}。新{label}请用“新建”，现有的{label}：{shown}")


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
    create: bool = False,
) -> int:
    """Add an example (an intent's sentence, a synonym's alias, a lookup entry, a
    regex) to an existing item; `create` (the explicit "新建") makes the item,
    and a new intent's name must pass `check_new_intent_name`."""
    if kind not in NLU_KINDS:
        raise InvalidInput(f"不能给 {kind} 加例句")
    if not name.strip():
        raise InvalidInput("名字不能为空")
    cleaned = _clean_example(kind, text)
    with ctx.db.transaction() as session:
        exists = session.scalar(
            select(TrainingItem.id).where(TrainingItem.kind == kind, TrainingItem.name == name.strip()).limit(1)
        )
        if create and exists is None and kind == "intent":
            check_new_intent_name(session, name.strip())
        row = ensure_item(session, kind, name.strip(), source_file, create=create)
        before = content(row) if row.examples else None
        _check_duplicate(session, row, cleaned)
        example = TrainingExample(position=len(row.examples), text=cleaned)
        row.examples.append(example)
        row.updated_at = utcnow()
        session.flush()
        revise(
            ctx,
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
            ctx,
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
            ctx,
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
    """The whole item: every block of it, in every file."""
    with ctx.db.transaction() as session:
        rows = find_rows(session, kind, name)
        if not rows:
            raise NotFound(f"没有找到 {kind} {name}")
        before = content(rows[0])
        if len(rows) > 1:
            before["examples"] = [e.text for row in rows for e in row.examples]
        for row in rows:
            session.delete(row)
        revise(ctx, session, author=author, comment=comment, action="item.delete", kind=kind, name=name, before=before)
