"""Names staff read beside the intent codes the bot uses (data/intent_names.yml),
read once per process, on first use. (Departments carry their names in the
database, `departments.name`, seeded from data/departments.yml.)"""

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


def intent_label(code: str | None) -> str:
    """ "预约挂号（book_appointment）", or the code alone when it has no name yet."""
    if not code:
        return ""
    name = intent_names().get(code)
    return f"{name}（{code}）" if name else code
