"""A separate consent before the first sensitive question (PIPL arts. 28-29, issue 11).

Health information (a symptom, a result) and an ID number are sensitive personal
information: processing them needs the patient's separate consent, told what for.
So before a message that starts a sensitive journey (an ID number or phone in it, a
symptom the triage router recognises, a booking, result, refill or 就诊人 request,
or one of the bot's journey buttons) reaches the bot or the conversation log, the
chat edge asks once, with the wording and its version from data/consent.yml. The
answer is kept per account with the version and the time (`privacy_consents`); a
new version asks again. Until "同意" the message is neither passed on nor kept;
"不同意" is respected, and the patient hears what the bot can still do.

Clinical safety outranks all of this: a red flag is answered before this runs
(turns.handle_message), and a conversation in its emergency journey is never
stopped here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select

from config import ROOT
from integrations.rasa.client import BotMessage, Button
from models import ChannelIdentity, utcnow
from models.privacy import PrivacyConsent
from services import audit
from services.clinical.triage.routing import looks_like_symptom
from services.context import ServiceContext
from services.hospital_facts import hospital_phone
from services.patients.identities import is_identity
from services.patients.registry import find_or_create_account

CONSENT_FILE = ROOT / "data" / "consent.yml"
GRANTED, DECLINED, WITHDRAWN = "granted", "declined", "withdrawn"
# The question was shown (no answer yet): on a text channel its buttons are numbered choices,
# so "1"/"2" shortly after it answer it (NUMBERED_ANSWER_WINDOW).
ASKED = "asked"
NUMBERED_ANSWER_WINDOW = timedelta(minutes=30)
_ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE_SHAPE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")
_NOT_WORDS = re.compile(r"[\s\W_]+")


@cache
def wording(path: Path = CONSENT_FILE) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def version() -> str:
    return str(wording()["version"])


def plain(text: str) -> str:
    """The text as a command is compared: width-folded, without spaces or punctuation."""
    return _NOT_WORDS.sub("", unicodedata.normalize("NFKC", text)).lower()


def is_command(text: str, words: list[str], slack: int = 4) -> bool:
    """`text` is one of `words`, give or take a few characters ("请帮我删除我的数据吧")."""
    said = plain(text)
    return any(w in said and len(said) <= len(w) + slack for w in map(plain, words))


def answer_word(text: str) -> str | None:
    """GRANTED for "同意", DECLINED for "不同意", WITHDRAWN for "撤回同意", else None."""
    said, data = plain(text), wording()
    for decision, key in ((WITHDRAWN, "withdraw_words"), (DECLINED, "decline_words"), (GRANTED, "agree_words")):
        if said in {plain(w) for w in data[key]}:
            return decision
    return None


def is_sensitive(text: str) -> bool:
    """Would answering this message ask for, or keep, health or identity information?"""
    data = wording()
    stripped = text.strip()
    if any(stripped.startswith(p) for p in data["sensitive_payloads"]):
        return True
    if _ID_SHAPE.search(stripped) or _PHONE_SHAPE.search(stripped):
        return True
    folded = unicodedata.normalize("NFKC", stripped)
    if any(word in folded for word in data["sensitive_words"]):
        return True
    if any(re.search(pattern, folded) for pattern in data.get("sensitive_patterns") or ()):
        return True  # "我要建档 挂妇科": a booking named by its clinic
    return looks_like_symptom(stripped)


def asks_sensitive(text: str) -> bool:
    """Is this answer of the bot a question for health or identity information?"""
    asking = "？" in text or "?" in text or "请输入" in text or "请告诉我" in text or text.rstrip().endswith("：")
    return asking and any(word in text for word in wording()["sensitive_questions"])


def decision(ctx: ServiceContext, channel: str, sender: str) -> str | None:
    """The account's latest answer to the current wording; None when never asked (or
    only an older version was agreed to)."""
    latest = _latest(ctx, channel, sender, answers_only=True)
    if latest is None or (latest.decision == GRANTED and latest.version != version()):
        return None
    return latest.decision


def _latest(ctx: ServiceContext, channel: str, sender: str, *, answers_only: bool) -> PrivacyConsent | None:
    query = (
        select(PrivacyConsent)
        .join(ChannelIdentity, ChannelIdentity.account_id == PrivacyConsent.account_id)
        .where(is_identity(ctx.cipher, channel, sender))
        .order_by(PrivacyConsent.decided_at.desc(), PrivacyConsent.id.desc())
        .limit(1)
    )
    if answers_only:
        query = query.where(PrivacyConsent.decision != ASKED)
    with ctx.db.reading() as session:
        return session.scalar(query)


def _numbered(ctx: ServiceContext, channel: str, sender: str, text: str) -> str | None:
    """ "1"/"2" right after the question (its numbered choices on SMS or WeChat text)."""
    if plain(text) not in ("1", "2"):
        return None
    latest = _latest(ctx, channel, sender, answers_only=False)
    if latest is None or latest.decision != ASKED or latest.decided_at < utcnow() - NUMBERED_ANSWER_WINDOW:
        return None
    return GRANTED if plain(text) == "1" else DECLINED


def record(ctx: ServiceContext, channel: str, sender: str, answer: str) -> None:
    """Keep one answer with the wording's version and the time, audited (no content)."""
    with ctx.db.transaction() as session:
        account = find_or_create_account(session, ctx.cipher, channel, sender)
        session.add(PrivacyConsent(account_id=account.id, version=version(), decision=answer, channel=channel))
        audit.record(
            ctx,
            session,
            action=f"privacy.consent.{answer}",
            subject=f"account:{account.id}",
            detail={"version": version(), "channel": channel},
        )


def forget(ctx: ServiceContext, account_id: str) -> int:
    """Remove an account's consent records (its data being deleted); how many."""
    with ctx.db.transaction() as session:
        result: Any = session.execute(delete(PrivacyConsent).where(PrivacyConsent.account_id == account_id))
        return int(result.rowcount or 0)


def ask() -> BotMessage:
    data = wording()
    buttons = (
        Button(data["agree_button"], data["agree_button"]),
        Button(data["decline_button"], data["decline_button"]),
    )
    return BotMessage(str(data["ask"]), buttons)


def say(ctx: ServiceContext, key: str) -> BotMessage:
    """One of data/consent.yml's answers, with the hospital's phone filled in."""
    return BotMessage(str(wording()[key]).format(phone=hospital_phone(ctx.settings.hospital_facts_file)))


@dataclass(frozen=True)
class Gated:
    """The edge's answer and what the message was: ASKED (a sensitive message held for
    the question), GRANTED, DECLINED, WITHDRAWN, or STILL_DECLINED (held nothing)."""

    messages: list[BotMessage]
    outcome: str


STILL_DECLINED = "still_declined"


def gate(ctx: ServiceContext, channel: str, sender: str, text: str, in_emergency: Callable[[], bool]) -> Gated | None:
    """The answer to a consent word, or the consent question instead of a sensitive
    message; None to go on. Red flags were answered before this; a conversation in its
    emergency journey (`in_emergency`, asked only when a message would be held) goes on."""
    word = answer_word(text)
    current = decision(ctx, channel, sender)
    if word is None and current != GRANTED:
        word = _numbered(ctx, channel, sender, text)
    if word == WITHDRAWN and current == GRANTED:
        record(ctx, channel, sender, WITHDRAWN)
        return Gated([say(ctx, "withdrawn")], WITHDRAWN)
    if current == GRANTED:
        return None
    if word == GRANTED:
        record(ctx, channel, sender, GRANTED)
        return Gated([say(ctx, "agreed")], GRANTED)
    if word == DECLINED:
        record(ctx, channel, sender, DECLINED)
        return Gated([say(ctx, "declined")], DECLINED)
    if not is_sensitive(text) or in_emergency():
        return None
    return Gated(question(ctx, channel, sender, current), STILL_DECLINED if current in (DECLINED, WITHDRAWN) else ASKED)


def question(ctx: ServiceContext, channel: str, sender: str, current: str | None) -> list[BotMessage]:
    """The consent question (noted as asked, for its numbered answers), or after
    不同意/撤回 what the bot can still do."""
    if current in (DECLINED, WITHDRAWN):
        return [say(ctx, "still_declined")]
    with ctx.db.transaction() as session:
        account = find_or_create_account(session, ctx.cipher, channel, sender)
        session.add(PrivacyConsent(account_id=account.id, version=version(), decision=ASKED, channel=channel))
    return [ask()]
