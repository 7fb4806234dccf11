"""A triage proposal as a clinician reads it: which rule changed, which field, the
old and the new value, instead of a YAML diff.

Both texts are parsed and flattened to readable paths (`rules › chest_pain_cardiac
› advice`); entries of a list are named by their `id` (or `name`) where they have
one, so moving a rule is not reported as every rule changing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from services.errors import InvalidInput

SEPARATOR = " › "


@dataclass(frozen=True)
class FieldChange:
    path: str
    status: str  # added, removed, changed
    before: str | None
    after: str | None


def _label(entry: Any, index: int) -> str:
    if isinstance(entry, dict):
        for key in ("id", "name", "label"):
            if isinstance(entry.get(key), str | int):
                return str(entry[key])
    return f"第{index + 1}项"


def _flatten(value: Any, path: str, out: dict[str, str]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flatten(inner, f"{path}{SEPARATOR}{key}" if path else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, inner in enumerate(value):
            _flatten(inner, f"{path}{SEPARATOR}{_label(inner, index)}" if path else _label(inner, index), out)
    elif isinstance(value, list):
        out[path] = "、".join(str(v) for v in value)
    else:
        out[path] = "" if value is None else str(value)


def load_yaml(text: str, name: str) -> Any:
    """The parsed text, or an error staff can act on (the line, not PyYAML's internals)."""
    try:
        return yaml.safe_load(text) if text else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行附近" if mark is not None else ""
        raise InvalidInput(f"{name} 的格式有误（{where}），请检查缩进、冒号和引号是否成对") from None


def _parse(text: str, name: str) -> dict[str, str]:
    loaded = load_yaml(text, name)
    flat: dict[str, str] = {}
    _flatten(loaded, "", flat)
    return flat


def field_changes(before: str, after: str, name: str = "文件") -> list[FieldChange]:
    """What differs between the live text and the proposed one, field by field."""
    old, new = _parse(before, name), _parse(after, name)
    changes = []
    for path in list(old) + [p for p in new if p not in old]:
        a, b = old.get(path), new.get(path)
        if a == b:
            continue
        status = "added" if a is None else "removed" if b is None else "changed"
        changes.append(FieldChange(path, status, a, b))
    return changes
