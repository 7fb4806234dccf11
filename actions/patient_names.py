"""Patients named in the chat: masked on buttons, recognised when typed.

A phone's code may bind a whole family's records to a chat (actions/identify.py), so
the "which patient?" buttons show names masked ("张*国"), and an elder who types the
name ("张建国", "查王小明的") instead of a number is understood.
"""

from __future__ import annotations

import re
from typing import List, Optional

from integrations.hospital.base import Patient


def masked_name(name: str) -> str:
    """ "张建国" -> "张*国", "李敏" -> "李*": enough for the family to tell apart, no more."""
    name = str(name or "")
    if len(name) <= 1:
        return name
    return name[0] + "*" if len(name) == 2 else name[0] + "*" * (len(name) - 2) + name[-1]


def patient_named(text: str, patients: List[Patient]) -> Optional[str]:
    """The one patient whose name (whole, or without the surname) the answer holds:
    "张建国", "是建国", "查王小明的". None when no name or several fit."""
    text = re.sub(r"\s+", "", str(text or ""))
    if not text:
        return None
    whole = [p for p in patients if p.get("name") and str(p["name"]) in text]
    given = [p for p in patients if len(str(p.get("name") or "")) >= 3 and str(p["name"])[1:] in text]
    found = whole or given
    return str(found[0]["id"]) if len(found) == 1 else None
