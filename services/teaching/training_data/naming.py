"""A new intent's name: snake_case, and not a near-duplicate of one that exists.

A typo (`report_symptm` for `report_symptom`) would otherwise become a second
intent that splits the examples and that no rule or story uses; refusing it
with the existing name lets the editor pick the right one.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import TrainingItem
from services.errors import Conflict, InvalidInput

INTENT_NAME = re.compile(r"(faq/)?[a-z][a-z0-9]*(_[a-z0-9]+)*")
NEAR = 2  # edits (insert, delete, substitute) that make two names "the same"


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, two rows at a time (names are short)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def check_new_intent_name(session: Session, name: str) -> None:
    if not INTENT_NAME.fullmatch(name):
        raise InvalidInput("意图名用小写英文字母、数字和单个下划线（如 ask_price），FAQ 用 faq/主题")
    existing = set(session.scalars(select(TrainingItem.name).where(TrainingItem.kind == "intent")))
    if name in existing:
        raise Conflict(f"意图 {name} 已经有了", intent=name)
    near = sorted((edit_distance(name, other), other) for other in existing)
    if near and near[0][0] <= NEAR:
        other = near[0][1]
        raise Conflict(f"意图名 {name} 和已有的意图 {other} 几乎一样，是不是写错了？请直接用 {other}", intent=other)
