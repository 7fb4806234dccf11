"""Pending changes: what differs between the database and the newest snapshot
(the last import, export to `data/` or training run), item by item for the
page and as a unified diff of the YAML for reviewers who read git."""

from __future__ import annotations

import difflib

from sqlalchemy.orm import Session

from services.context import ServiceContext
from services.teaching.training_data.state import latest_snapshot_files, load_state
from services.teaching.training_data.views import Change
from services.teaching.training_yaml import Item, parse_files, render_files


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


def pending_in(session: Session) -> list[Change]:
    """Pending changes seen from inside a transaction (the import refuses to overwrite them)."""
    baseline = latest_snapshot_files(session)
    _frames, items = load_state(session)
    if baseline is None:
        return _diff_items([], items) if items else []
    return _diff_items(parse_files(baseline)[1], items)


def pending_changes(ctx: ServiceContext) -> list[Change]:
    """Items that differ from the last exported or trained state."""
    with ctx.db.reading() as session:
        return pending_in(session)


def pending_diff(ctx: ServiceContext) -> str:
    """The same as a unified diff of the YAML files, for reviewers who read git."""
    with ctx.db.reading() as session:
        baseline = latest_snapshot_files(session) or {}
        frames, items = load_state(session)
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
