"""Red flags told over several messages: the chat edge reads the last few together.

Why: the edge's red-flag check reads each message alone (services/clinical/triage/edge.py),
so a grandmother who typed "外孙出生20天 今天摸着发汤" and then "量了腋下38度3" was never told
to call 120: the age was in one message, the temperature in the next, and the first fell
back, so the bot's triage journey never kept it either. A baby under 28 days with a fever
of 38 or more is an emergency (NICE NG143, fever in under 5s; 中国新生儿发热处理专家共识),
and so are a fall with a head knock on warfarin (NICE NG232, head injury) and a headache
with 160/110 from 20 weeks of pregnancy (NICE NG133, hypertension in pregnancy), whichever
message says which half.

When the current message had no red flag of its own and reads as clinical (a complaint, or
a number with its unit: 度/℃, mmHg, mmol, an age in 天/周/月), the rules are run once more on
the same conversation's last few inbound messages of the last half hour joined with it.
This only adds an emergency, never lowers one, and never reads another conversation (the
blind index of this one's id).

Why rules, safety nets and symptom scores only on the joined text (session 30): the learned
layer reads one message; on three joined it sees many symptom words at once and, alone, said
"综合判断 … 拨打120" to a red, swollen leg after a knock and to mastitis with a fever (blind
conversation set 18, tuning material). On every tuning conversation set (1-14, 17, 18;
scripts/edge_joined_alarms.py) it alone added 9 joined alarms: 8 on conversations that were
no emergency, 1 on an emergency (set 8's J41, peanuts, swollen lips, hives), which the
food-allergen rule now catches one message later when the wheeze and hoarse voice are told
(WAO 2020: skin plus airway). The single message still gets the whole assessment.

A database or key failure on this read is logged and the turn goes on: the single-message
check has already run. Skipped while staff have the conversation or its emergency state
already answers (both read in the same statement).

A message held for the consent question is kept as a placeholder until it is answered
after agreement (services/conversation/privacy_journeys.py); placeholders are not read.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import SQLAlchemyError

from models import ConversationMessage, HandoffTicket, utcnow
from services.clinical.triage import RedFlagHit, TriageEngine
from services.clinical.triage.edge import MAX_ASSESSED_CHARS, NOT_CLINICAL_NUMBER, emergency_hits, learned_alone
from services.clinical.triage.models import TriageInput, TriageLevel
from services.context import ServiceContext
from services.conversation import emergency, symptom_routing
from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT
from services.conversation.handoff import OPEN_STATUSES
from services.conversation.privacy_journeys import CODE_KEPT_AS, WITHHELD
from services.crypto import DecryptionError

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=30)
MAX_EARLIER = 3
JOINER = "，"
# A reading or an age with its unit: "38度3", "38.5℃", "160/110", "7.8mmol", "出生20天", "孕32周".
CLINICAL_NUMBER = re.compile(
    r"\d+(?:\.\d+)?\s*(?:度|℃|°|mmhg|毫米汞柱|mmol|毫摩尔|天|周|週|个月|個月|月)|\d{2,3}\s*/\s*\d{2,3}",
    re.IGNORECASE,
)


def looks_clinical(text: str) -> bool:
    """Worth reading with the messages before it: a complaint, or a number with its unit."""
    stripped = (text or "").strip()
    if not stripped or stripped.startswith("/"):  # a button's payload tells nothing new
        return False
    return CLINICAL_NUMBER.search(stripped) is not None or symptom_routing.tells_complaint(stripped)


def joined_hits(
    ctx: ServiceContext, triage: TriageEngine, conversation_id: str, text: str, now: datetime | None = None
) -> tuple[list[RedFlagHit], str]:
    """(the red flags of the earlier messages and ``text`` read together, that joined text);
    no hits when ``text`` does not read as clinical, nothing earlier was kept, or the read failed."""
    if not looks_clinical(text):
        return [], text
    try:
        earlier = _earlier_texts(ctx, conversation_id, now or utcnow())
    except (SQLAlchemyError, DecryptionError) as exc:
        log.error("earlier messages could not be read for the red-flag check", extra={"error": type(exc).__name__})
        return [], text
    if not earlier:
        return [], text
    joined = JOINER.join([*earlier, text])
    return joined_emergency(triage, joined), joined


def joined_emergency(triage: TriageEngine, joined: str) -> list[RedFlagHit]:
    """The edge's emergency on the joined text, unless the learned layer alone gave it.

    Rules, safety nets and symptom scores still answer here; the learned layer is a reader
    of one message, and on several joined it sees many symptom words at once (see the
    module docstring, session 30)."""
    hits = emergency_hits(triage, joined)
    if hits and learned_alone(hits) and not _rules_say_emergency(triage, joined):
        return []
    return hits


def _rules_say_emergency(triage: TriageEngine, text: str) -> bool:
    """The assessment without its learned layer says emergency: an emergency told by symptom
    scores alone is named after the layer by the edge, and must still count."""
    plain = NOT_CLINICAL_NUMBER.sub("", text)[:MAX_ASSESSED_CHARS]
    return triage.rules_only(TriageInput(text=plain)).level is TriageLevel.EMERGENCY


def _earlier_texts(ctx: ServiceContext, conversation_id: str, now: datetime) -> list[str]:
    """The conversation's last few inbound texts of the window, oldest first; none while
    staff have it or its emergency state answers. Called before this message is kept."""
    conversation_hash = ctx.cipher.blind_index(conversation_id, CONVERSATION_CONTEXT)
    mine = ConversationMessage.conversation_hash == conversation_hash
    in_state = exists().where(
        mine,
        ConversationMessage.status == "emergency",
        ConversationMessage.received_at >= now - emergency.window(ctx.settings),
    )
    paused = exists().where(
        HandoffTicket.conversation_hash == conversation_hash, HandoffTicket.status.in_(OPEN_STATUSES)
    )
    with ctx.db.reading() as session:
        if session.execute(select(in_state | paused)).scalar():
            return []
        rows = session.scalars(
            select(ConversationMessage.text_enc)
            .where(mine, ConversationMessage.received_at >= now - WINDOW)
            .order_by(ConversationMessage.id.desc())
            .limit(MAX_EARLIER)
        ).all()
    texts = (ctx.cipher.decrypt(token, TEXT_CONTEXT) for token in reversed(rows))
    return [t for t in texts if t not in _PLACEHOLDERS]


_PLACEHOLDERS = frozenset({CODE_KEPT_AS, WITHHELD})  # kept in place of what was typed: nothing to read
