"""The training data as the database holds it, and the two records every change
leaves: an immutable `TrainingRevision` per edit (written in the edit's own
transaction) and `TrainingSnapshot`s, the rendered files at import, export and
training, which are the baselines of "pending changes"."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import TrainingFile, TrainingItem, TrainingRevision, TrainingSnapshot
from services import audit
from services.context import ServiceContext
from services.errors import NotFound
from services.teaching.training_yaml import FileFrame, Item, render_files


def load_state(session: Session) -> tuple[dict[str, FileFrame], list[Item]]:
    frames = {
        row.path: FileFrame(path=row.path, preamble=row.preamble, trailer=row.trailer)
        for row in session.scalars(select(TrainingFile))
    }
    rows = session.scalars(
        select(TrainingItem)
        .options(selectinload(TrainingItem.examples))
        .order_by(TrainingItem.source_file, TrainingItem.position, TrainingItem.id)
    )
    return frames, [as_item(row) for row in rows]


def as_item(row: TrainingItem) -> Item:
    return Item(
        kind=row.kind,
        name=row.name,
        source_file=row.source_file,
        examples=[e.text for e in row.examples],
        body=json.loads(row.body),
        comment=row.comment,
        raw=row.raw,
    )


def content(row: TrainingItem) -> dict[str, Any]:
    return as_item(row).content()


def export_files(ctx: ServiceContext) -> dict[str, str]:
    with ctx.db.reading() as session:
        frames, items = load_state(session)
    return render_files(frames, items)


def revise(
    ctx: ServiceContext,
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
        audit.record(ctx, session, actor=author, action=f"training.{action}", subject=subject and subject[:60])
    return revision.id


def add_snapshot(session: Session, author: str, reason: str) -> TrainingSnapshot:
    """Freeze the current state in the caller's transaction (a training run takes
    its snapshot in the same transaction that queues it)."""
    frames, items = load_state(session)
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
        return add_snapshot(session, author, reason).id


def snapshot_files(ctx: ServiceContext, snapshot_id: int) -> dict[str, str]:
    with ctx.db.reading() as session:
        snapshot = session.get(TrainingSnapshot, snapshot_id)
        if snapshot is None:
            raise NotFound(f"没有这个快照 {snapshot_id}")
        files: dict[str, str] = json.loads(snapshot.files)
        return files


def latest_snapshot_files(session: Session) -> dict[str, str] | None:
    snapshot = session.scalars(select(TrainingSnapshot).order_by(TrainingSnapshot.id.desc()).limit(1)).first()
    return json.loads(snapshot.files) if snapshot else None
