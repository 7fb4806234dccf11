"""Import and export: the database's state replaced by the YAML files, or written
out as them. Import refuses to overwrite pending changes unless forced; export
to the real `data/` becomes the new baseline, a scratch copy does not."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from models import TrainingExample, TrainingFile, TrainingItem
from services import audit
from services.context import ServiceContext
from services.errors import Conflict
from services.teaching.training_data.files import read_directory, write_directory
from services.teaching.training_data.pending import pending_in
from services.teaching.training_data.state import add_snapshot, latest_snapshot_files, load_state, revise
from services.teaching.training_data.views import ImportSummary
from services.teaching.training_yaml import DOMAIN_PATH, FileFrame, Item, parse_files, render_files


class PendingChanges(Conflict):
    code, message = "pending_changes", "还有未导出或未训练的修改，导入会覆盖它们"


class NothingLoaded(Conflict):
    code, message = "nothing_loaded", "还没有载入训练数据，不能导出或训练；请先从 data/ 导入"


def import_files(
    ctx: ServiceContext, files: dict[str, str], *, author: str, comment: str = "", force: bool = False
) -> ImportSummary:
    """Replace the database's training data with these files (path → YAML text)."""
    frames, items = parse_files(files)
    with ctx.db.transaction() as session:
        if not force and pending_in(session):
            raise PendingChanges()
        return _replace(ctx, session, frames, items, author=author, comment=comment)


def _replace(
    ctx: ServiceContext, session: Session, frames: dict[str, FileFrame], items: list[Item], *, author: str, comment: str
) -> ImportSummary:
    """Replace every row with these items, in the caller's transaction."""
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
    revise(ctx, session, author=author, comment=comment or "从 YAML 导入", action="import", after=summary)
    snapshot = add_snapshot(session, author, "import")
    audit.record(ctx, session, actor=author, action="training.import", detail=dict(summary))
    return ImportSummary(snapshot_id=snapshot.id, **summary)


def import_directory(
    ctx: ServiceContext, root: Path, *, author: str, comment: str = "", force: bool = False
) -> ImportSummary:
    return import_files(ctx, read_directory(root), author=author, comment=comment, force=force)


SEED_LOCK = 0x7EAC41  # the advisory lock key that serialises first-run seeding on PostgreSQL


def has_data(ctx: ServiceContext) -> bool:
    """Whether anything is loaded: export and training are offered only then (an
    export of nothing would wipe `data/nlu/`)."""
    with ctx.db.reading() as session:
        return session.scalar(select(TrainingItem.id).limit(1)) is not None


def seed_if_empty(ctx: ServiceContext, root: Path, *, author: str = "system:seed") -> ImportSummary | None:
    """On a fresh system, load `data/` so the teaching pages never start empty.

    Cheap when already seeded (one indexed read); safe when several workers
    start at once: on PostgreSQL an advisory lock serialises them, on SQLite the
    write gate does, and the emptiness is checked again under the lock.
    """
    if has_data(ctx) or not (root / DOMAIN_PATH).exists():
        return None
    files = read_directory(root)
    frames, items = parse_files(files)
    with ctx.db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEED_LOCK})
        if session.scalar(select(TrainingItem.id).limit(1)) is not None:
            return None
        return _replace(ctx, session, frames, items, author=author, comment="首次启动：从 data/ 载入")


def export_directory(ctx: ServiceContext, root: Path, *, author: str, record: bool = True) -> dict[str, str]:
    """Write the current state as YAML under `root`. `record` marks it as the new
    baseline for pending changes (export to the real `data/`); a scratch copy
    for validation or a test passes False."""
    with ctx.db.transaction() as session:
        frames, items = load_state(session)
        if record and not items:
            raise NothingLoaded()
        files = render_files(frames, items)
        previous = latest_snapshot_files(session)
        write_directory(root, files, previous)
        if record:
            snapshot = add_snapshot(session, author, "export")
            audit.record(ctx, session, actor=author, action="training.export", subject=str(snapshot.id))
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
