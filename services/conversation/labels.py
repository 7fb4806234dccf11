"""Names staff read beside the codes the system uses: intents (data/intent_names.yml)
and departments (data/departments.yml). Read once per process, on first use."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parents[2] / "data"


@cache
def intent_names(path: Path = DATA / "intent_names.yml") -> dict[str, str]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    intents = loaded.get("intents") if isinstance(loaded, dict) else None
    return {str(k): str(v) for k, v in intents.items()} if isinstance(intents, dict) else {}


@cache
def department_names(path: Path = DATA / "departments.yml") -> dict[str, str]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    rows = loaded.get("departments") if isinstance(loaded, dict) else None
    return {str(r["code"]): str(r["name"]) for r in rows or [] if isinstance(r, dict) and "code" in r}


def intent_label(code: str | None) -> str:
    """ "预约挂号（book_appointment）", or the code alone when it has no name yet."""
    if not code:
        return ""
    name = intent_names().get(code)
    return f"{name}（{code}）" if name else code


def department_label(code: str | None) -> str:
    if not code:
        return ""
    name = department_names().get(code)
    return f"{name}（{code}）" if name else code
