"""The reason a staff member gave for viewing a patient's data, kept for the page.

A reason is sent once, in the body of a POST (never in a URL, where it would end
up in browser history, proxy logs and the Referer header), and kept in the signed
session cookie for that subject, so the page can reload, show an error, or poll
for new lines without asking again. Each full page view is still audited with it.
"""

from __future__ import annotations

from flask import request, session

KEY = "viewing"
# Subjects remembered per session (the oldest is forgotten first) and the length kept
# of each reason: together they keep the session cookie under the browsers' 4 KB
# (8 random 100-character Chinese reasons sign to about 3.2 KB).
KEEP = 8
MAX_CHARS = 100


def remember(subject: str, why: str) -> None:
    why = why.strip()[:MAX_CHARS]
    reasons = dict(session.get(KEY) or {})
    reasons.pop(subject, None)
    reasons[subject] = why
    session[KEY] = dict(list(reasons.items())[-KEEP:])


def recall(subject: str) -> str:
    reasons = session.get(KEY) or {}
    why = reasons.get(subject, "") if isinstance(reasons, dict) else ""
    return why if isinstance(why, str) else ""


def posted_why() -> str:
    return request.form.get("why", "").strip()[:MAX_CHARS]
