"""Traditional characters read as simplified ones, for every word list outside the NLU.

The NLU pipeline converts what it understands (bot/components/), but the chat edge and the
actions read the patient's raw text too: a wish to leave the hand-off queue typed in
traditional script ("不用轉人工了"), an errand about one's records, a drug, a duration at
the triage interview. Their patterns are written in simplified characters, so the text is
converted first. One OpenCC converter per process, built on first use (it reads its
dictionaries from disk). Standard library and OpenCC only: both environments (the app's and
the Rasa action server's) import this module.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc  # in both environments; loaded on first use

    return opencc.OpenCC("t2s")


def simplified(text: str | None) -> str:
    """Traditional characters as simplified ones; ASCII and simplified text unchanged."""
    text = text or ""
    return text if text.isascii() else str(_converter().convert(text))
