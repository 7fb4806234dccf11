"""Re-encryption under the current key: every sealed column, in batches, audited.

After DATA_ENCRYPTION_KEY changes (the former key moved to
DATA_ENCRYPTION_OLD_KEYS), rows sealed under the old key still open, but the old
key can be retired only once no row needs it. `rotate` re-seals every token not
already under the current key version, one batch per transaction, each batch
with its audit entry. A run can stop at any point (a crash, `max_batches`) and
the next one picks up what is left, because "done" is the token's own version
prefix, not a bookmark; a second run over a rotated database changes nothing.
Each row is rewritten only if it still holds the token that was read, so a
concurrent write by the app (already under the current key) is never undone.

`SEALED_COLUMNS` names every `*_enc` column and its encryption context;
tests/integration/test_key_rotation.py fails when a model gains one that is
not listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from models import (
    ChannelIdentity,
    ChannelToken,
    ChatSecret,
    ConversationMessage,
    HandoffTicket,
    LabReport,
    OutboxMessage,
    Patient,
    PendingReply,
    Prescription,
    QuestionnaireResponse,
    RasaSender,
    RefillRequest,
    ReportItem,
    StaffAccount,
    StaffReply,
)
from services import audit
from services.clinical.followups import ANSWERS_CONTEXT as QUESTIONNAIRE_CONTEXT
from services.clinical.refills import ANSWERS_CONTEXT, ITEMS_CONTEXT
from services.clinical.results import FINDINGS_CONTEXT, VALUE_CONTEXT
from services.clinical.sealed import DIAGNOSIS_CONTEXT, TITLE_CONTEXT
from services.context import ServiceContext
from services.conversation.channel_state import REPLY_BODY_CONTEXT, REPLY_RECIPIENT_CONTEXT, TOKEN_CONTEXT
from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT
from services.conversation.handoff import REPLY_CONTEXT
from services.conversation.placeholders import _context as chat_secret_context
from services.conversation.pseudonyms import _ROW_CONTEXT as SENDER_CONTEXT
from services.crypto import DecryptionError
from services.notifications.outbox import BODY_CONTEXT, RECIPIENT_CONTEXT
from services.patients.identities import CONTEXT as IDENTITY_CONTEXT
from services.patients.registry import BIRTH_DATE_CONTEXT, ID_CONTEXT, NAME_CONTEXT, PHONE_CONTEXT
from services.staff.credentials import TOTP_CONTEXT

DEFAULT_BATCH = 500


@dataclass(frozen=True)
class SealedColumn:
    """One encrypted column; `context` is its encryption context, or a function of the row
    (its other `extra` columns) for columns whose context names the row."""

    column: InstrumentedAttribute[Any]
    context: str | Callable[[Any], str]
    extra: tuple[InstrumentedAttribute[Any], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.column.class_.__tablename__}.{self.column.key}"

    def context_of(self, row: Any) -> str:
        return self.context if isinstance(self.context, str) else self.context(row)


SEALED_COLUMNS: tuple[SealedColumn, ...] = (
    SealedColumn(Patient.id_number_enc, ID_CONTEXT),
    SealedColumn(Patient.phone_enc, PHONE_CONTEXT),
    SealedColumn(Patient.name_enc, NAME_CONTEXT),
    SealedColumn(Patient.birth_date_enc, BIRTH_DATE_CONTEXT),
    SealedColumn(ChannelIdentity.external_enc, IDENTITY_CONTEXT),
    SealedColumn(LabReport.title_enc, TITLE_CONTEXT),
    SealedColumn(LabReport.findings_enc, FINDINGS_CONTEXT),
    SealedColumn(ReportItem.value_enc, VALUE_CONTEXT),
    SealedColumn(Prescription.diagnosis_enc, DIAGNOSIS_CONTEXT),
    SealedColumn(Prescription.items_enc, ITEMS_CONTEXT),
    SealedColumn(RefillRequest.answers_enc, ANSWERS_CONTEXT),
    SealedColumn(QuestionnaireResponse.answers_enc, QUESTIONNAIRE_CONTEXT),
    SealedColumn(StaffAccount.totp_secret_enc, TOTP_CONTEXT),
    SealedColumn(PendingReply.recipient_enc, REPLY_RECIPIENT_CONTEXT),
    SealedColumn(PendingReply.body_enc, REPLY_BODY_CONTEXT),
    SealedColumn(ChannelToken.value_enc, TOKEN_CONTEXT),
    SealedColumn(HandoffTicket.conversation_enc, CONVERSATION_CONTEXT),
    SealedColumn(StaffReply.text_enc, REPLY_CONTEXT),
    SealedColumn(OutboxMessage.recipient_enc, RECIPIENT_CONTEXT),
    SealedColumn(OutboxMessage.body_enc, BODY_CONTEXT),
    SealedColumn(ConversationMessage.conversation_enc, CONVERSATION_CONTEXT),
    SealedColumn(ConversationMessage.text_enc, TEXT_CONTEXT),
    SealedColumn(RasaSender.conversation_enc, SENDER_CONTEXT),
    # A placeholder's value opens only as that placeholder (its kind and token name the context).
    SealedColumn(ChatSecret.value_enc, lambda row: chat_secret_context(row.kind, row.token), (ChatSecret.kind,)),
)


@dataclass
class ColumnRotation:
    """What one run did to one column. `failed` lists row ids (never values) that did not
    open under any configured key: the old key must stay until they are explained."""

    column: str
    rewritten: int = 0
    failed: list[str] = field(default_factory=list)
    remaining: int = 0


@dataclass
class Rotation:
    key_version: str
    columns: list[ColumnRotation]

    @property
    def complete(self) -> bool:
        """Nothing left under an old key (the old keys may be retired)."""
        return all(c.remaining == 0 and not c.failed for c in self.columns)


def _primary_key(sealed: SealedColumn) -> Any:
    keys = sealed.column.class_.__mapper__.primary_key
    assert len(keys) == 1, f"{sealed.name}: rotation pages by a single primary key"
    return keys[0]


def _stale(ctx: ServiceContext, sealed: SealedColumn) -> Any:
    """Tokens not sealed under the current key: an exact prefix comparison (LIKE is
    case-insensitive on SQLite and would need escaping)."""
    prefix = f"{ctx.cipher.current_version}:"
    return sealed.column.is_not(None) & (func.substr(sealed.column, 1, len(prefix)) != prefix)


def pending(ctx: ServiceContext) -> dict[str, int]:
    """How many tokens per column are not under the current key yet."""
    with ctx.db.reading() as session:
        return {
            sealed.name: session.scalar(select(func.count()).where(_stale(ctx, sealed))) or 0
            for sealed in SEALED_COLUMNS
        }


def rotate(ctx: ServiceContext, batch_size: int = DEFAULT_BATCH, max_batches: int | None = None) -> Rotation:
    """Re-seal every stale token under the current key; `max_batches` bounds this run
    (the next run continues), None means until done."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    budget = [max_batches if max_batches is not None else -1]
    report = Rotation(ctx.cipher.current_version, [_rotate_column(ctx, s, batch_size, budget) for s in SEALED_COLUMNS])
    counts = pending(ctx)
    for column in report.columns:
        column.remaining = counts[column.column]
    return report


def _rotate_column(ctx: ServiceContext, sealed: SealedColumn, batch_size: int, budget: list[int]) -> ColumnRotation:
    result = ColumnRotation(sealed.name)
    pk = _primary_key(sealed)
    # One executemany per batch (Core, not one ORM statement per row: about 10x faster).
    table = sealed.column.class_.__table__
    rewrite = (
        update(table)
        .where(table.c[pk.key] == bindparam("row_id"), table.c[sealed.column.key] == bindparam("old"))
        .values({sealed.column.key: bindparam("fresh")})
    )
    after: Any = None
    while budget[0] != 0:
        with ctx.db.transaction() as session:
            query = select(pk, sealed.column, *sealed.extra).where(_stale(ctx, sealed))
            if after is not None:
                query = query.where(pk > after)
            rows = session.execute(query.order_by(pk).limit(batch_size)).all()
            if not rows:
                return result
            changes, failed = [], []
            for row in rows:
                try:
                    changes.append(
                        {"row_id": row[0], "old": row[1], "fresh": ctx.cipher.reencrypt(row[1], sealed.context_of(row))}
                    )
                except DecryptionError:
                    failed.append(str(row[0]))
            rewritten = 0
            if changes:
                rewritten = cast(CursorResult[Any], session.connection().execute(rewrite, changes)).rowcount
            audit.record(
                ctx,
                session,
                action="crypto.rotate",
                subject=sealed.name,
                detail={"key_version": ctx.cipher.current_version, "rewritten": rewritten, "failed": len(failed)},
            )
        result.rewritten += rewritten
        result.failed += failed
        after = rows[-1][0]
        budget[0] -= 1
    return result
