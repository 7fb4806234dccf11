"""Import and export: the database's state replaced by the YAML files, or written
out as them. Import refuses to overwrite pending changes unless forced; export
to the real `data/` becomes the new baseline, a scratch copy does not."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import delete

from models import TrainingExample, TrainingFile, TrainingItem
from services import audit
from services.context import ServiceContext
from services.errors import Conflict
from services.teaching.training_data.files import read_directory, write_directory
from services.teaching.training_data.pending import pending_in
from services.teaching.training_data.state import add_snapshot, latest_snapshot_files, load_state, revise
from services.teaching.training_data.views import ImportSummary
from services.teaching.training_yaml import Item, parse_files, render_files


class PendingChanges(Conflict):
    code, message = "pending_changes", "还有未导出或未训练的修改，导入会覆盖它们"


def import_files(
    ctx: ServiceContext, files: dict[str, str], *, author: str, comment: str = "", force: bool = False
) -> ImportSummary:
    """Replace the database's training data with these files (path → YAML text)."""
    frames, items = parse_files(files)
    with ctx.db.transaction() as session:
        if not force and pending_in(session):
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
        revise(session, author=author, comment=comment or "从 YAML 导入", action="import", after=summary)
        snapshot = add_snapshot(session, author, "import")
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
        frames, items = load_state(session)
        files = render_files(frames, items)
        previous = latest_snapshot_files(session)
        write_directory(root, files, previous)
        if record:
            snapshot = add_snapshot(session, author, "export")
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
