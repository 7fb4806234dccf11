"""Traditional characters read as simplified ones, for the actions' own word lists.

The NLU pipeline converts what it understands (bot/components/), but the actions read the
patient's raw text too: a wish at the slot list ("要主任醫師"), a drug ("二甲雙胍"), a
duration at the triage interview. The converter is the chat edge's own
(services/conversation/simplified.py), so both read a word the same way."""

from __future__ import annotations

from services.conversation.simplified import simplified

__all__ = ["simplified"]
