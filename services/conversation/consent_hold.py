"""What waits for the consent answer, so "同意" costs the patient no turn (issue 13).

The consent question stands in for one of two things: a sensitive message the edge
held back before the bot saw it, or the bot's own question for health or identity
data (asked in the middle of a form). Once the patient agrees, the held message is
replayed to the bot, or the question is shown, so the patient neither repeats
themselves nor loses their place in the form. "不同意" drops what was held.

Kept in the placeholder vault (`chat_secrets`), which already has the properties a
held message needs: encrypted, bound to the conversation by a blind index, removed
once expired by the retention job and with the conversation by "删除我的数据". Its
value column holds a short ciphertext, so the text is kept in pieces; the API never
resolves these rows (their kinds are no placeholder's). They live for the consent
question's answering window (consent.NUMBERED_ANSWER_WINDOW); one hold per conversation.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from integrations.rasa.client import BotMessage, Button
from models import utcnow
from models.chat_secret import ChatSecret
from services.context import ServiceContext
from services.conversation.consent import NUMBERED_ANSWER_WINDOW
from services.conversation.contexts import CONVERSATION_CONTEXT

MESSAGE, REPLIES = "held_m", "held_r"  # a kind is this and the piece's number: "held_m03"
_PIECE_CHARS = 80  # 80 CJK characters encrypt to under the vault's 400
_TOKEN_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Held:
    message: str | None = None  # to replay to the bot
    replies: list[BotMessage] = field(default_factory=list)  # to show as they were


def _hash(ctx: ServiceContext, conversation_id: str) -> str:
    return ctx.cipher.blind_index(conversation_id, CONVERSATION_CONTEXT)


def _context(kind: str, token: str) -> str:
    return f"consent-hold/{kind}/{token}"


def _is_held(kind: str) -> bool:
    return kind.startswith((MESSAGE, REPLIES))


def hold_message(ctx: ServiceContext, conversation_id: str, text: str, now: datetime | None = None) -> None:
    """Keep the message held back for consent, to replay it after "同意"."""
    _put(ctx, conversation_id, MESSAGE, text, now)


def hold_replies(
    ctx: ServiceContext, conversation_id: str, replies: list[BotMessage], now: datetime | None = None
) -> None:
    """Keep the bot's answer the consent question stood in for, to show it after "同意"."""
    _put(ctx, conversation_id, REPLIES, json.dumps([r.as_dict() for r in replies], ensure_ascii=False), now)


def _put(ctx: ServiceContext, conversation_id: str, kind: str, content: str, now: datetime | None) -> None:
    now = now or utcnow()
    conversation_hash = _hash(ctx, conversation_id)
    pieces = [content[i : i + _PIECE_CHARS] for i in range(0, len(content), _PIECE_CHARS)] or [""]
    rows = []
    for number, piece in enumerate(pieces):
        token = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(8))
        piece_kind = f"{kind}{number:02d}"
        rows.append(
            ChatSecret(
                token=token,
                kind=piece_kind,
                conversation_hash=conversation_hash,
                value_enc=ctx.cipher.encrypt(piece, _context(piece_kind, token)),
                created_at=now,
                expires_at=now + NUMBERED_ANSWER_WINDOW,
            )
        )
    with ctx.db.transaction() as session:
        _delete_held(session, conversation_hash)  # the latest thing asked about is the one that waits
        session.add_all(rows)


def take(ctx: ServiceContext, conversation_id: str, now: datetime | None = None) -> Held:
    """What waited for this conversation's consent (removed as it is read); empty when
    nothing did or it expired."""
    conversation_hash = _hash(ctx, conversation_id)
    with ctx.db.transaction() as session:
        rows = session.scalars(
            select(ChatSecret).where(
                ChatSecret.conversation_hash == conversation_hash, ChatSecret.expires_at > (now or utcnow())
            )
        ).all()
        found = sorted((r for r in rows if _is_held(r.kind)), key=lambda r: r.kind)
        pieces = [(r.kind[: len(MESSAGE)], ctx.cipher.decrypt(r.value_enc, _context(r.kind, r.token))) for r in found]
        _delete_held(session, conversation_hash)
    if not pieces:
        return Held()
    kind, content = pieces[0][0], "".join(piece for _, piece in pieces)
    if kind == MESSAGE:
        return Held(message=content)
    return Held(replies=[_message(item) for item in json.loads(content)])


def drop(ctx: ServiceContext, conversation_id: str) -> None:
    """Forget what waited ("不同意", "撤回同意")."""
    with ctx.db.transaction() as session:
        _delete_held(session, _hash(ctx, conversation_id))


def _delete_held(session: Session, conversation_hash: str) -> None:
    rows = session.scalars(select(ChatSecret).where(ChatSecret.conversation_hash == conversation_hash)).all()
    tokens = [r.token for r in rows if _is_held(r.kind)]
    if tokens:
        session.execute(delete(ChatSecret).where(ChatSecret.token.in_(tokens)))


def _message(item: dict[str, object]) -> BotMessage:
    buttons = item.get("buttons") or []
    assert isinstance(buttons, list)
    return BotMessage(
        str(item.get("text") or ""),
        tuple(Button(str(b.get("title", "")), str(b.get("payload", "")), str(b.get("url", ""))) for b in buttons),
    )
