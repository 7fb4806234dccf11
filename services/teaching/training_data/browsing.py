"""Reading the training data as staff browse it: items by kind, one item, a
search over examples, names and response texts, and the revision history."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from models import TrainingExample, TrainingItem, TrainingRevision
from services.context import ServiceContext
from services.errors import NotFound
from services.teaching.training_data.views import ExampleView, ItemView, RevisionView, SearchHit


def _merged(rows: list[TrainingItem]) -> ItemView:
    """One item as staff think of it: every block of the same kind and name, in
    whichever file of `data/nlu/` it lives, with all their examples in file order."""
    first = rows[0]
    return ItemView(
        id=first.id,
        kind=first.kind,
        name=first.name,
        source_file=first.source_file,
        examples=[ExampleView(e.id, e.text, row.source_file) for row in rows for e in row.examples],
        body=json.loads(first.body),
        updated_at=max(row.updated_at for row in rows),
        source_files=tuple(dict.fromkeys(row.source_file for row in rows)),
    )


def _ordered(query: Select[Any]) -> Select[Any]:
    return query.options(selectinload(TrainingItem.examples)).order_by(
        TrainingItem.kind, TrainingItem.name, TrainingItem.source_file, TrainingItem.position, TrainingItem.id
    )


def list_items(ctx: ServiceContext, kind: str | None = None) -> list[ItemView]:
    """One entry per (kind, name), however many blocks and files it is spread over."""
    with ctx.db.reading() as session:
        query = select(TrainingItem)
        if kind:
            query = query.where(TrainingItem.kind == kind)
        groups: dict[tuple[str, str], list[TrainingItem]] = {}
        for row in session.scalars(_ordered(query)):
            groups.setdefault((row.kind, row.name), []).append(row)
        return [_merged(rows) for rows in groups.values()]


def get_item(ctx: ServiceContext, kind: str, name: str) -> ItemView:
    with ctx.db.reading() as session:
        rows = find_rows(session, kind, name)
        if not rows:
            raise NotFound(f"没有找到 {kind} {name}")
        return _merged(rows)


def find_rows(session: Session, kind: str, name: str) -> list[TrainingItem]:
    """Every block of this item, in the order the item page lists them."""
    query = select(TrainingItem).where(TrainingItem.kind == kind, TrainingItem.name == name)
    return list(session.scalars(_ordered(query)))


def find_item(session: Session, kind: str, name: str) -> TrainingItem:
    """The item's first block (where a new example goes)."""
    rows = find_rows(session, kind, name)
    if not rows:
        raise NotFound(f"没有找到 {kind} {name}")
    return rows[0]


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
        places: dict[tuple[str, str], dict[int, int]] = {}
        for k, name, example_id, text in session.execute(examples.order_by(TrainingExample.id).limit(limit)):
            if (k, name) not in places:
                ids = [e.id for row in find_rows(session, k, name) for e in row.examples]
                places[(k, name)] = {eid: index for index, eid in enumerate(ids)}
            hits.append(SearchHit(k, name, example_id, text, places[(k, name)].get(example_id)))
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
