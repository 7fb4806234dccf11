"""What the training-data services hand out: frozen views of items, examples,
revisions and search hits, and the shape of one pending change. Plain data, so
pages and the CLI never hold an ORM row outside its session."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MARKUP = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class ExampleView:
    id: int
    text: str
    source_file: str = ""


@dataclass(frozen=True)
class ItemView:
    id: int
    kind: str
    name: str
    source_file: str
    examples: list[ExampleView]
    body: dict[str, Any]
    updated_at: datetime
    source_files: tuple[str, ...] = ()


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
    index: int | None = None  # the example's place among all of its item's examples


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
    return MARKUP.sub(r"\1", example)
