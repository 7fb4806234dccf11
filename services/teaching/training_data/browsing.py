"""Reading the training data as staff browse it: items by kind, one item, a
search over examples, names and response texts, and the revision history."""

from __future__ import annotations

import json

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from models import TrainingExample, TrainingItem, TrainingRevision
from services.context import ServiceContext
from services.errors import NotFound
from services.teaching.training_data.views import ExampleView, ItemView, RevisionView, SearchHit


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
        return _view(find_item(session, kind, name))


def find_item(session: Session, kind: str, name: str) -> TrainingItem:
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
