"""The bot's training data in the database: import, export, edit with history, diff.

The database is where staff edit; the Rasa YAML in `data/nlu/` and the
responses of `bot/domain.yml` are where git and `rasa train` read. Import
replaces the database's state with the files, export writes the files from
the database, and the pair is lossless (services/teaching/training_yaml.py says how).

Every edit writes one immutable `TrainingRevision` in the same transaction.
"Pending changes" compare the current export with the newest snapshot (taken
at import, at export to `data/` and when a model is trained).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, selectinload

from models import TrainingExample, TrainingFile, TrainingItem, TrainingRevision, TrainingSnapshot, utcnow
from services import audit
from services.context import ServiceContext
from services.errors import Conflict, InvalidInput, NotFound
from services.teaching.training_yaml import (
    DOMAIN_PATH,
    NLU_DIR,
    NLU_KINDS,
    FileFrame,
    Item,
    parse_files,
    render_files,
)

DEFAULT_NLU_FILE = "data/nlu/console.yml"
FAQ_FILE = "data/nlu/faq.yml"
_MARKUP = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
_NEW_FILE_PREAMBLE = 'version: "3.1"\nnlu:\n'


class PendingChanges(Conflict):
    code, message = "pending_changes", "还有未导出或未训练的修改，导入会覆盖它们"


# --- views ------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleView:
    id: int
    text: str


@dataclass(frozen=True)
class ItemView:
    id: int
    kind: str
    name: str
    source_file: str
    examples: list[ExampleView]
    body: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class RevisionView:
    id: int
    at: datetime
    author: str
    comment: str
    action: str
    kind: str | None
    name: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class SearchHit:
    kind: str
    name: str
    example_id: int | None
    text: str


@dataclass
class Change:
    """One item that differs from the last exported/trained state."""

    kind: str
    name: str
    source_file: str
    status: str  # added, removed, changed
    examples_added: list[str] = field(default_factory=list)
    examples_removed: list[str] = field(default_factory=list)
    body_before: dict[str, Any] | None = None
    body_after: dict[str, Any] | None = None


@dataclass(frozen=True)
class ImportSummary:
    files: int
    items: int
    examples: int
    responses: int
    snapshot_id: int


def plain_text(example: str) -> str:
    """`挂[心内科](department)` → `挂心内科`: what the patient actually typed."""
    return _MARKUP.sub(r"\1", example)


# --- reading files ------------------------------------------------------------


def read_directory(root: Path) -> dict[str, str]:
    """The files this editor owns under a checkout (or an exported copy)."""
    files = {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((root / NLU_DIR).rglob("*.yml"))
    }
    files[DOMAIN_PATH] = (root / DOMAIN_PATH).read_text(encoding="utf-8")
    return files


def write_directory(root: Path, files: dict[str, str], previous: dict[str, str] | None = None) -> None:
    """Write `files` under `root`; NLU files that existed before and are gone now are removed."""
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    for rel in set(previous or {}) - set(files):
        if rel.startswith(NLU_DIR + "/"):
            (root / rel).unlink(missing_ok=True)


# --- the state in the database ---------------------------------------------


def _load_state(session: Session) -> tuple[dict[str, FileFrame], list[Item]]:
    frames = {
        row.path: FileFrame(path=row.path, preamble=row.preamble, trailer=row.trailer)
        for row in session.scalars(select(TrainingFile))
    }
    rows = session.scalars(
        select(TrainingItem)
        .options(selectinload(TrainingItem.examples))
        .order_by(TrainingItem.source_file, TrainingItem.position, TrainingItem.id)
    )
    return frames, [_item(row) for row in rows]


def _item(row: TrainingItem) -> Item:
    return Item(
        kind=row.kind,
        name=row.name,
        source_file=row.source_file,
        examples=[e.text for e in row.examples],
        body=json.loads(row.body),
        comment=row.comment,
        raw=row.raw,
    )


def _content(row: TrainingItem) -> dict[str, Any]:
    return _item(row).content()


def export_files(ctx: ServiceContext) -> dict[str, str]:
    with ctx.db.reading() as session:
        frames, items = _load_state(session)
    return render_files(frames, items)


def _revise(
    session: Session,
    *,
    author: str,
    comment: str,
    action: str,
    kind: str | None = None,
    name: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> int:
    revision = TrainingRevision(
        author=author,
        comment=comment[:500],
        action=action,
        kind=kind,
        name=name,
        before=json.dumps(before, ensure_ascii=False) if before is not None else None,
        after=json.dumps(after, ensure_ascii=False) if after is not None else None,
    )
    session.add(revision)
    session.flush()
    if action != "import":  # the import audits itself, with its summary
        subject = f"{kind}:{name}" if kind else None
        audit.record(session, actor=author, action=f"training.{action}", subject=subject and subject[:60])
    return revision.id


def _snapshot(session: Session, author: str, reason: str) -> TrainingSnapshot:
    frames, items = _load_state(session)
    newest = session.scalar(select(func.max(TrainingRevision.id)))
    snapshot = TrainingSnapshot(
        author=author,
        reason=reason,
        revision_id=newest,
        files=json.dumps(render_files(frames, items), ensure_ascii=False),
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def take_snapshot(ctx: ServiceContext, author: str, reason: str) -> int:
    with ctx.db.transaction() as session:
        return _snapshot(session, author, reason).id


def snapshot_files(ctx: ServiceContext, snapshot_id: int) -> dict[str, str]:
    with ctx.db.reading() as session:
        snapshot = session.get(TrainingSnapshot, snapshot_id)
        if snapshot is None:
            raise NotFound(f"没有这个快照 {snapshot_id}")
        files: dict[str, str] = json.loads(snapshot.files)
        return files


def _latest_snapshot_files(session: Session) -> dict[str, str] | None:
    snapshot = session.scalars(select(TrainingSnapshot).order_by(TrainingSnapshot.id.desc()).limit(1)).first()
    return json.loads(snapshot.files) if snapshot else None


# --- import / export ----------------------------------------------------------


def import_files(
    ctx: ServiceContext, files: dict[str, str], *, author: str, comment: str = "", force: bool = False
) -> ImportSummary:
    """Replace the database's training data with these files (path → YAML text)."""
    frames, items = parse_files(files)
    with ctx.db.transaction() as session:
        if not force and _pending(session):
            raise PendingChanges()
        session.execute(delete(TrainingExample))
        session.execute(delete(TrainingItem))
        session.execute(delete(TrainingFile))
        for frame in frames.values():
            session.add(TrainingFile(path=frame.path, preamble=frame.preamble, trailer=frame.trailer))
        positions: dict[str, int] = {}
        for item in items:
            position = positions[item.source_file] = positions.get(item.source_file, -1) + 1
            session.add(_new_row(item, position))
        session.flush()
        summary: dict[str, int] = {
            "files": len(frames),
            "items": len(items),
            "examples": sum(len(i.examples) for i in items),
            "responses": sum(i.kind == "response" for i in items),
        }
        _revise(session, author=author, comment=comment or "从 YAML 导入", action="import", after=summary)
        snapshot = _snapshot(session, author, "import")
        audit.record(session, actor=author, action="training.import", detail=dict(summary))
        return ImportSummary(snapshot_id=snapshot.id, **summary)


def import_directory(
    ctx: ServiceContext, root: Path, *, author: str, comment: str = "", force: bool = False
) -> ImportSummary:
    return import_files(ctx, read_directory(root), author=author, comment=comment, force=force)


def export_directory(ctx: ServiceContext, root: Path, *, author: str, record: bool = True) -> dict[str, str]:
    """Write the current state as YAML under `root`. `record` marks it as the new
    baseline for pending changes (export to the real `data/`); a scratch copy
    for validation or a test passes False."""
    with ctx.db.transaction() as session:
        frames, items = _load_state(session)
        files = render_files(frames, items)
        previous = _latest_snapshot_files(session)
        write_directory(root, files, previous)
        if record:
            snapshot = _snapshot(session, author, "export")
            audit.record(session, actor=author, action="training.export", subject=str(snapshot.id))
    return files


def _new_row(item: Item, position: int) -> TrainingItem:
    row = TrainingItem(
        kind=item.kind,
        name=item.name,
        source_file=item.source_file,
        position=position,
        comment=item.comment,
        body=json.dumps(item.body, ensure_ascii=False),
        raw=item.raw,
    )
    row.examples = [TrainingExample(position=i, text=text) for i, text in enumerate(item.examples)]
    return row


# --- pending changes ----------------------------------------------------------


def _grouped(items: list[Item]) -> dict[tuple[str, str, str], Item]:
    """An intent written in several blocks of one file diffs as one item."""
    out: dict[tuple[str, str, str], Item] = {}
    for item in items:
        if item.key in out:
            merged = out[item.key]
            merged.examples = merged.examples + item.examples
            if item.body and item.body != merged.body:
                merged.body = {**merged.body, **item.body}
        else:
            out[item.key] = Item(item.kind, item.name, item.source_file, list(item.examples), dict(item.body))
    return out


def _diff_items(old: list[Item], new: list[Item]) -> list[Change]:
    before = _grouped(old)
    after = _grouped(new)
    changes = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        kind, name, source = key
        if a is None and b is not None:
            changes.append(Change(kind, name, source, "added", examples_added=b.examples, body_after=b.body))
        elif b is None and a is not None:
            changes.append(Change(kind, name, source, "removed", examples_removed=a.examples, body_before=a.body))
        elif a is not None and b is not None and (a.examples != b.examples or a.body != b.body):
            old_set, new_set = set(a.examples), set(b.examples)
            changes.append(
                Change(
                    kind,
                    name,
                    source,
                    "changed",
                    examples_added=[e for e in b.examples if e not in old_set],
                    examples_removed=[e for e in a.examples if e not in new_set],
                    body_before=a.body if a.body != b.body else None,
                    body_after=b.body if a.body != b.body else None,
                )
            )
    return changes


def _pending(session: Session) -> list[Change]:
    baseline = _latest_snapshot_files(session)
    _frames, items = _load_state(session)
    if baseline is None:
        return _diff_items([], items) if items else []
    return _diff_items(parse_files(baseline)[1], items)


def pending_changes(ctx: ServiceContext) -> list[Change]:
    """Items that differ from the last exported or trained state."""
    with ctx.db.reading() as session:
        return _pending(session)


def pending_diff(ctx: ServiceContext) -> str:
    """The same as a unified diff of the YAML files, for reviewers who read git."""
    with ctx.db.reading() as session:
        baseline = _latest_snapshot_files(session) or {}
        frames, items = _load_state(session)
    current = render_files(frames, items)
    out: list[str] = []
    for path in sorted(set(baseline) | set(current)):
        out.extend(
            difflib.unified_diff(
                baseline.get(path, "").splitlines(keepends=True),
                current.get(path, "").splitlines(keepends=True),
                fromfile=f"a/{path}",
                tofile=f"b/{path}",
            )
        )
    return "".join(out)


# --- browsing -----------------------------------------------------------------


def _view(row: TrainingItem) -> ItemView:
    return ItemView(
        id=row.id,
        kind=row.kind,
        name=row.name,
        source_file=row.source_file,
        examples=[ExampleView(e.id, e.text) for e in row.examples],
        body=json.loads(row.body),
        updated_at=row.updated_at,
    )


def list_items(ctx: ServiceContext, kind: str | None = None) -> list[ItemView]:
    with ctx.db.reading() as session:
        query = select(TrainingItem).options(selectinload(TrainingItem.examples))
        if kind:
            query = query.where(TrainingItem.kind == kind)
        rows = session.scalars(query.order_by(TrainingItem.kind, TrainingItem.name, TrainingItem.source_file))
        return [_view(row) for row in rows]


def get_item(ctx: ServiceContext, kind: str, name: str) -> ItemView:
    with ctx.db.reading() as session:
        return _view(_find_item(session, kind, name))


def _find_item(session: Session, kind: str, name: str) -> TrainingItem:
    row = session.scalars(
        select(TrainingItem)
        .options(selectinload(TrainingItem.examples))
        .where(TrainingItem.kind == kind, TrainingItem.name == name)
        .order_by(TrainingItem.source_file)
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"没有找到 {kind} {name}")
    return row


def search(ctx: ServiceContext, query: str, kind: str | None = None, limit: int = 100) -> list[SearchHit]:
    """Examples, item names and response texts containing `query` (case-insensitive)."""
    needle = f"%{query.strip()}%"
    hits: list[SearchHit] = []
    with ctx.db.reading() as session:
        examples = (
            select(TrainingItem.kind, TrainingItem.name, TrainingExample.id, TrainingExample.text)
            .join(TrainingExample, TrainingExample.item_id == TrainingItem.id)
            .where(or_(TrainingExample.text.ilike(needle), TrainingItem.name.ilike(needle)))
        )
        responses = select(TrainingItem.kind, TrainingItem.name, TrainingItem.body).where(
            TrainingItem.kind == "response", or_(TrainingItem.body.ilike(needle), TrainingItem.name.ilike(needle))
        )
        if kind:
            examples = examples.where(TrainingItem.kind == kind)
            responses = responses.where(TrainingItem.kind == kind)
        for k, name, example_id, text in session.execute(examples.order_by(TrainingExample.id).limit(limit)):
            hits.append(SearchHit(k, name, example_id, text))
        for k, name, body in session.execute(responses.order_by(TrainingItem.name).limit(limit)):
            texts = [str(v.get("text", "")) for v in json.loads(body).get("variations") or [] if isinstance(v, dict)]
            hits.append(SearchHit(k, name, None, " / ".join(texts)))
    return hits[:limit]


def history(
    ctx: ServiceContext, kind: str | None = None, name: str | None = None, limit: int = 100
) -> list[RevisionView]:
    with ctx.db.reading() as session:
        query = select(TrainingRevision)
        if kind:
            query = query.where(TrainingRevision.kind == kind)
        if name:
            query = query.where(TrainingRevision.name == name)
        rows = session.scalars(query.order_by(TrainingRevision.id.desc()).limit(limit))
        return [
            RevisionView(
                id=r.id,
                at=r.at,
                author=r.author,
                comment=r.comment,
                action=r.action,
                kind=r.kind,
                name=r.name,
                before=json.loads(r.before) if r.before else None,
                after=json.loads(r.after) if r.after else None,
            )
            for r in rows
        ]


# --- editing ------------------------------------------------------------------


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
        kind == "intent" and "[" in cleaned and not _MARKUP.search(cleaned)
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


def _ensure_item(session: Session, kind: str, name: str, source_file: str | None) -> TrainingItem:
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
        row = _ensure_item(session, kind, name.strip(), source_file)
        before = _content(row) if row.examples else None
        _check_duplicate(session, row, cleaned)
        example = TrainingExample(position=len(row.examples), text=cleaned)
        row.examples.append(example)
        row.updated_at = utcnow()
        session.flush()
        _revise(
            session,
            author=author,
            comment=comment,
            action="example.add",
            kind=kind,
            name=row.name,
            before=before,
            after=_content(row),
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
        before = _content(row)
        example.text = cleaned
        row.updated_at = utcnow()
        _revise(
            session,
            author=author,
            comment=comment,
            action="example.edit",
            kind=row.kind,
            name=row.name,
            before=before,
            after=_content(row),
        )


def delete_example(ctx: ServiceContext, example_id: int, *, author: str, comment: str = "") -> None:
    with ctx.db.transaction() as session:
        example, row = _example_row(session, example_id)
        before = _content(row)
        row.examples.remove(example)
        _renumber(row)
        row.updated_at = utcnow()
        after: dict[str, Any] | None = _content(row)
        if not row.examples:
            session.delete(row)  # an intent without examples is not valid Rasa data
            after = None
        _revise(
            session,
            author=author,
            comment=comment,
            action="example.delete",
            kind=row.kind,
            name=row.name,
            before=before,
            after=after,
        )


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
        row = _ensure_item(session, "response", name, DOMAIN_PATH)
        before = _content(row) if row.body != "{}" else None
        if before is not None and before["body"] == body:
            return
        row.body = json.dumps(body, ensure_ascii=False)
        row.raw = None
        row.updated_at = utcnow()
        _revise(
            session,
            author=author,
            comment=comment,
            action="item.update" if before else "item.create",
            kind="response",
            name=name,
            before=before,
            after=_content(row),
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


def delete_item(ctx: ServiceContext, kind: str, name: str, *, author: str, comment: str = "") -> None:
    with ctx.db.transaction() as session:
        row = _find_item(session, kind, name)
        before = _content(row)
        session.delete(row)
        _revise(session, author=author, comment=comment, action="item.delete", kind=kind, name=name, before=before)
