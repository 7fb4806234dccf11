"""Traditional characters read as simplified ones, for the actions' own word lists.

The NLU pipeline converts what it understands (bot/components/), but the actions read the
patient's raw text too: a wish at the slot list ("要主任醫師"), a drug ("二甲雙胍"), a
duration at the triage interview. One OpenCC converter, built on first use."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc  # in both environments (the NLU pipeline uses it too); loaded on first use

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters as simplified ones; ASCII and simplified text unchanged."""
    text = text or ""
    return text if text.isascii() else str(_converter().convert(text))
