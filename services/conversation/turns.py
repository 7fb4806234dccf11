"""One patient message through the front door, whatever the channel.

Clinical safety first: the red-flag rules, and the whole triage assessment of a
message that reads as a complaint (services/clinical/triage/edge.py), read the raw
text before consent is asked and before the dialogue engine sees it, so a
misunderstood message, or Rasa being down, still gets "拨打120 / 立即急诊".
Then the dialogue engine answers; if it cannot, the patient gets a short apology
with the hospital's phone number. While staff have the conversation (a hand-off
ticket is open) the bot is paused, until the patient leaves the queue or asks for
a journey; two fallback answers in a row offer a person (services/conversation/handoff_choice.py).
For a while after a red flag the conversation is in its emergency journey
(services/conversation/emergency.py): follow-ups such as "好的", "等明天再看" or
"救护车还没到" are answered here, never with a goodbye, whether or not Rasa is up.

The NLU's reading of the message (intent, confidence) comes back with the bot's
replies, from the turn's own parse (bot/whole_turn_channel.py): it is kept with the
message for the conversation review and tells the symptom check whether to route a
complaint to triage, without a second Rasa request or parse.

Rasa knows the conversation only by a pseudonym and the message's metadata carries
no platform id (services/conversation/pseudonyms.py): for SMS the sender is the
patient's phone number, which Rasa's tracker store must never hold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import Counter
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from config import ROOT
from db import rows_changed
from integrations.rasa.client import BotMessage, DialogueEngine, RasaUnavailable, Understanding
from models import ConversationMessage, utcnow
from services.clinical.triage import RedFlagHit, TriageEngine, TriageLevel
from services.clinical.triage.edge import emergency_hits
from services.context import ServiceContext
from services.conversation import (
    booking_words,
    cancel_said,
    emergency,
    errand_days,
    errand_symptom_offer,
    handoff,
    handoff_choice,
    placeholders,
    privacy_journeys,
    pseudonyms,
    recent_context,
    records_copy,
    records_errands,
    symptom_routing,
    that_one_cancelled,
    triage_details,
    turn_state,
)
from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT
from services.hospital_facts import hospital_phone, load_facts

log = logging.getLogger(__name__)
REPLIES_FILE = ROOT / "data" / "replies.yml"
MAX_MESSAGE_CHARS = 500

EDGE_EMERGENCIES = Counter("hospital_edge_emergencies_total", "Messages answered by the red-flag rules", ["channel"])
BOT_UNAVAILABLE = Counter(
    "hospital_bot_unavailable_total", "Messages the dialogue engine could not answer", ["channel"]
)
RECORDS_REROUTED = Counter(
    "hospital_records_errands_rerouted_total", "Fallbacks whose words asked for reports or appointments", ["intent"]
)
UNDERSTANDING_UNREAD = Counter(
    "hospital_nlu_read_failures_total", "Answered messages whose reply came without the NLU's reading", ["channel"]
)


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # web | wechat | alipay | sms
    sender: str  # the platform's id for the patient
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    platform_msg_id: str | None = None  # WeChat MsgId etc.: a platform retry carries the same one

    @property
    def conversation_id(self) -> str:
        """Senders are prefixed by channel, so two platforms' ids never collide."""
        return f"{self.channel}:{self.sender}"


@cache
def replies(path: Path = REPLIES_FILE) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def unavailable_reply(ctx: ServiceContext) -> BotMessage:
    return BotMessage(replies()["bot_unavailable"].format(phone=hospital_phone(ctx.settings.hospital_facts_file)))


class DuplicateDelivery(Exception):
    """The platform delivered a message we already have (its own retry)."""


def record_inbound(ctx: ServiceContext, message: InboundMessage) -> int:
    """Keep the message before anything else happens to it, so no crash or outage loses it."""
    cipher = ctx.cipher
    kept = insert(ConversationMessage).values(  # one INSERT … RETURNING, no ORM unit of work (every turn)
        channel=message.channel,
        platform_msg_id=message.platform_msg_id,
        conversation_hash=cipher.blind_index(message.conversation_id, CONVERSATION_CONTEXT),
        conversation_enc=cipher.encrypt(message.conversation_id, CONVERSATION_CONTEXT),
        text_enc=cipher.encrypt(message.text, TEXT_CONTEXT),
    )
    try:
        with ctx.db.transaction() as session:
            return int(session.execute(kept.returning(ConversationMessage.id)).scalar_one())
    except IntegrityError:
        raise DuplicateDelivery(message.platform_msg_id) from None


def settle(ctx: ServiceContext, row_id: int, status: str, understanding: Understanding | None = None) -> None:
    """Record how a kept message was answered (answered, emergency, unanswered …) and,
    when known, what the NLU made of it."""
    values: dict[str, object] = {"status": status, "answered_at": None if status == "unanswered" else utcnow()}
    if understanding is not None:
        values.update(intent=understanding.intent, confidence=understanding.confidence)
    with ctx.db.transaction() as session:
        rows_changed(session, update(ConversationMessage).where(ConversationMessage.id == row_id).values(**values))


def handle_message(
    ctx: ServiceContext,
    engine: DialogueEngine,
    triage: TriageEngine,
    message: InboundMessage,
    hits: list[RedFlagHit] | None = None,
) -> list[BotMessage]:
    """Answer one message. Raises DuplicateDelivery for a platform's retry of a kept message.

    A red flag is answered before anything is stored: the 120 advice must not
    wait for, or fail with, the database; keeping that message is best effort after.
    `hits`: the edge's red-flag check of this very text when the channel has already made
    it (the web chat's admission gate does), else it is made here.
    """
    hits = emergency_hits(triage, message.text) if hits is None else hits
    if hits:
        replies = _answer(ctx, engine, triage, message, hits)
        _keep_emergency(ctx, message)
        return replies.messages
    # the age in one message, the fever in the next (services/conversation/recent_context.py)
    told, joined = recent_context.joined_hits(ctx, triage, message.conversation_id, message.text)
    if told:
        # kept as the joined text, so the emergency state finds the same rules again
        told_message = replace(message, text=joined)
        replies = _answer(ctx, engine, triage, told_message, told)
        _keep_emergency(ctx, told_message)
        return replies.messages
    # consent, 查看/删除我的数据, 窗口绑定: decided before the message is kept or passed on
    keep = lambda kept: settle(ctx, record_inbound(ctx, replace(message, text=kept)), "answered")  # noqa: E731
    replay = lambda held: handle_message(ctx, engine, triage, replace(message, text=held, platform_msg_id=None))  # noqa: E731
    early = privacy_journeys.before_the_bot(ctx, triage, message.channel, message.sender, message.text, keep, replay)
    if early is not None:
        return early
    row_id = record_inbound(ctx, message)
    replies = _answer(ctx, engine, triage, message, hits)
    if not replies.emergency:  # the bot's own question for health or identity data waits for consent too
        asked = privacy_journeys.after_the_bot(ctx, message.channel, message.sender, replies.messages)
        replies = replace(replies, messages=asked)
    status = "emergency" if replies.emergency else ("answered" if replies.answered else "unanswered")
    status = replies.status or status
    settle(ctx, row_id, status, replies.understanding)
    return replies.messages


def _keep_emergency(ctx: ServiceContext, message: InboundMessage) -> None:
    """Keep an answered red-flag message if the database lets us (the emergency state and
    the review read it); an outage is logged, never shown to the patient."""
    try:
        settle(ctx, record_inbound(ctx, message), "emergency")
    except SQLAlchemyError as exc:
        reason = {"channel": message.channel, "error": type(exc).__name__}
        log.error("an emergency message could not be kept", extra=reason)


@dataclass(frozen=True)
class _Answer:
    messages: list[BotMessage]
    answered: bool
    emergency: bool = False
    status: str | None = None  # fallback | handed_off (services/conversation/handoff.py), else from the flags
    understanding: Understanding | None = None


def _while_paused(ctx: ServiceContext, message: InboundMessage) -> _Answer | None:
    """The patient waits for a person (and hears when one will answer), or leaves the
    queue: "不要人工了" ends it here, a journey request ("我要挂号") goes on to the bot (None)."""
    journey = handoff_choice.asks_for_journey(message.text) or errand_symptom_offer.is_offer_tap(message.text)
    if not (journey or handoff_choice.wants_to_leave(message.text)):
        return _Answer([handoff_choice.paused_reply(ctx, message.text)], answered=True, status="handed_off")
    handoff_choice.leave_queue(ctx, message.conversation_id)
    return None if journey else _Answer([handoff_choice.left_reply()], answered=True)


def _answer(
    ctx: ServiceContext,
    engine: DialogueEngine,
    triage: TriageEngine,
    message: InboundMessage,
    hits: list[RedFlagHit],
) -> _Answer:
    """``hits``: what the edge found (services/clinical/triage/edge.py), answered first."""
    if hits:
        EDGE_EMERGENCIES.labels(message.channel).inc()
        log.warning("red flag at the edge", extra={"channel": message.channel, "rules": [h.id for h in hits]})
        try:
            # Tell the conversation, so no later turn can talk the level down.
            rasa_sender = pseudonyms.of(ctx.cipher, message.conversation_id)  # no database on this path
            engine.set_slot(rasa_sender, "triage_level", TriageLevel.EMERGENCY.value)
        except RasaUnavailable:
            log.warning("could not record the emergency in the conversation")
        return _Answer([emergency.alert(hits, message.text, ctx.settings)], answered=True, emergency=True)
    known = turn_state.read(ctx, triage, message.conversation_id)  # one SELECT for all the turn's reads
    state = known.emergency
    kind = emergency.classify(message.text, state)
    button = message.text.startswith("/") and not errand_symptom_offer.is_offer_tap(message.text)  # free text inside
    if kind in emergency.URGENT_KINDS and (state is not None or button or kind == "location"):
        return _edge_answer(ctx, state, kind)
    if state is not None and (
        kind == "closing" or (kind == "booking" and emergency.is_same_complaint_booking(message.text, state))
    ):
        return _edge_answer(ctx, state, kind)
    pending = handoff_choice.offer_pending(known.previous_status, known.previous_intent, known.fallback_streak)
    accepted = not known.paused and handoff_choice.accepts_offer(message.text, pending)  # "有人帮我吗"
    if known.paused:  # staff have the conversation
        paused = _while_paused(ctx, message)
        if paused is not None:
            return paused
    elif handoff_choice.declines_human(message.text):  # "结束人工" with no queue: no hand-off to open
        return _Answer([handoff_choice.left_reply()], answered=True)
    elif not accepted and (offer := handoff_choice.person_offer(message.text)) is not None:
        # a complaint, or the chat is the trouble: kept as an offer, which the next message may take
        return _Answer([offer], answered=True, understanding=Understanding(handoff_choice.OFFER_INTENT, 1.0))
    typed = message.text  # as the patient wrote it, for the triage offer after an errand
    called = not known.paused and handoff_choice.asks_to_be_called(message.text)
    if called or accepted:  # "你们能不能打个电话给我 我慢慢说", or the person offered taken: in this chat
        message = replace(message, text=handoff_choice.HANDOFF_TRIGGER)
    # Rasa keeps no ID number, phone or code, and knows the patient only by a pseudonym
    rasa_sender = pseudonyms.remember(ctx, message.conversation_id, known.pseudonym_known)
    message = replace(message, text=_for_bot(ctx, engine, rasa_sender, message))
    message = replace(message, text=_day_taken_back(engine, rasa_sender, message.text))
    message = replace(message, text=_that_one_cancelled(engine, rasa_sender, message.text))
    message = _cancel_said(engine, rasa_sender, message)
    message = _booking_words(engine, rasa_sender, message)
    message = _records_copy(engine, rasa_sender, message)
    if known.pseudonym_known:  # a conversation Rasa has: it may have just given a triage answer
        message = _details_after_triage(engine, rasa_sender, message)
    try:
        metadata = {**message.metadata, "channel": message.channel}  # never the platform's id
        turn = engine.send(rasa_sender, message.text, metadata)
    except RasaUnavailable as exc:
        BOT_UNAVAILABLE.labels(message.channel).inc()
        log.error("dialogue engine unavailable", extra={"channel": message.channel, "reason": str(exc)})
        return _Answer([unavailable_reply(ctx)], answered=False)
    replies, understanding = _shown(turn.messages), turn.understanding
    if called:
        replies = [BotMessage(handoff_choice.CALL_ME_TEXT), *replies]
    elif accepted and (phone := handoff_choice.phone_too(typed)) is not None:  # "有没有人能接电话帮我弄"
        replies = [*replies, phone]
    if understanding is None:  # a REST channel without bot/whole_turn_channel.py: the review lacks it
        UNDERSTANDING_UNREAD.labels(message.channel).inc()
    if state is not None:
        replies = emergency.without_goodbyes(replies, state, ctx.settings)
    if emergency.bot_said_emergency(replies):  # its triage reached an emergency: the journey starts here too
        replies = [*replies, emergency.after_bot_emergency(ctx.settings)]
        return _Answer(replies, answered=True, emergency=True, understanding=understanding)
    replies = _to_triage_if_symptom(engine, rasa_sender, message, metadata, replies, understanding)
    replies = _to_records_if_asked(engine, rasa_sender, message, metadata, replies)
    texts = [reply.text for reply in replies]
    # misunderstood twice: offer a person
    if handoff.note_bot_answer(ctx, message.conversation_id, texts, known.fallback_streak):
        replies = [*replies, handoff_choice.offer_reply()]
    fallback = bool(texts) and texts[0].startswith(handoff.FALLBACK_MARKER)
    status = "fallback" if fallback else None
    # an errand that also told a complaint: triage offered after it (errand_symptom_offer.py)
    in_emergency = state is not None
    replies = errand_symptom_offer.with_offer(
        triage, message.channel, typed, understanding, replies, fallback, in_emergency
    )
    return _Answer(replies, answered=True, status=status, understanding=understanding)


def _to_triage_if_symptom(
    engine: DialogueEngine,
    rasa_sender: str,
    message: InboundMessage,
    metadata: dict[str, Any],
    replies: list[BotMessage],
    understanding: Understanding | None,
) -> list[BotMessage]:
    """A symptom the NLU sent elsewhere goes to the triage journey (symptom_routing.py)."""
    if not symptom_routing.should_reroute(understanding, message.text, _fell_back(replies)):
        return replies
    rerouted = _rerouted(engine, rasa_sender, symptom_routing.triage_trigger(message.text), metadata)
    if rerouted is None:
        return replies
    symptom_routing.SYMPTOMS_REROUTED.labels(understanding.intent if understanding else "unknown").inc()
    return rerouted or replies


def _to_records_if_asked(
    engine: DialogueEngine,
    rasa_sender: str,
    message: InboundMessage,
    metadata: dict[str, Any],
    replies: list[BotMessage],
) -> list[BotMessage]:
    """A message the bot fell back on whose words ask for one's reports or appointments
    goes to that journey ("病理结果出来没有，帮俺瞅瞅": records_errands.py)."""
    trigger = records_errands.records_trigger(message.text) if _fell_back(replies) else None
    rerouted = _rerouted(engine, rasa_sender, trigger, metadata) if trigger else None
    if rerouted is None:
        return replies
    RECORDS_REROUTED.labels(str(trigger).lstrip("/")).inc()
    return rerouted or replies


def _fell_back(replies: list[BotMessage]) -> bool:
    return bool(replies) and replies[0].text.startswith(handoff.FALLBACK_MARKER)


def _rerouted(
    engine: DialogueEngine, rasa_sender: str, trigger: str, metadata: dict[str, Any]
) -> list[BotMessage] | None:
    """The journey `trigger` starts, as the patient would see it; None when Rasa is down
    (the first answer stands). Shared by the symptom and the records re-routes."""
    try:
        return _shown(engine.send(rasa_sender, trigger, metadata).messages)
    except RasaUnavailable:
        return None


def _for_bot(ctx: ServiceContext, engine: DialogueEngine, rasa_sender: str, message: InboundMessage) -> str:
    """The message as Rasa may keep it (services/conversation/placeholders.py). Digits that
    may be a one-time code become a placeholder when the dialogue has a code question open."""
    code_expected = False
    if placeholders.might_be_code(message.text):
        try:
            code_expected = engine.requested_slot(rasa_sender) in placeholders.CODE_SLOTS
        except RasaUnavailable:
            code_expected = True  # cannot tell: keep the digits from Rasa (the send will likely fail too)
    return placeholders.protect(ctx, message.conversation_id, message.text, code_expected)


def _day_taken_back(engine: DialogueEngine, rasa_sender: str, text: str) -> str:
    """ "不对 不是后天 是下周三那个" inside an errand about an appointment already made: the bot
    gets "是下周三那个", so the errand goes on instead of being left (errand_days.py)."""
    meant = errand_days.day_meant(text)
    if meant is None:
        return text
    try:
        in_errand = engine.active_loop(rasa_sender) in errand_days.ERRAND_FORMS
    except RasaUnavailable:
        return text  # cannot tell: the words as typed (the send will likely fail too)
    return meant if in_errand else text


def _that_one_cancelled(engine: DialogueEngine, rasa_sender: str, text: str) -> str:
    """ "对 就是这个 取消" at the cancellation's choice: the bot gets "确认取消", which its form
    reads (that_one_cancelled.py); the tracker is asked only when the words are such."""
    if not that_one_cancelled.cancels_the_one(text):
        return text
    try:
        return that_one_cancelled.for_the_bot(text, engine.active_loop(rasa_sender), engine.requested_slot(rasa_sender))
    except RasaUnavailable:
        return text


def _cancel_said(engine: DialogueEngine, rasa_sender: str, message: InboundMessage) -> InboundMessage:
    """ "算了 还是直接取消吧" inside an appointment errand, or right after "预约保留不变": the bot is
    told to cancel (cancel_said.py); the words as typed go along for the actions to read. The
    tracker is asked only when the words say cancel."""
    if not cancel_said.says_cancel(message.text):
        return message
    try:
        loop = engine.active_loop(rasa_sender)
        asked = engine.requested_slot(rasa_sender)
        lines = _bot_lines(engine, rasa_sender) if loop in (None, cancel_said.BOOKING_FORM) else []
    except RasaUnavailable:
        return message
    last = lines[-1] if lines and loop is None else ""
    moving = loop == cancel_said.BOOKING_FORM and cancel_said.is_moving(lines)
    meant = cancel_said.for_the_bot(message.text, loop, asked, last, moving)
    if meant == message.text:
        return message
    return replace(message, text=meant, metadata={**message.metadata, "typed": message.text})


def _records_copy(engine: DialogueEngine, rasa_sender: str, message: InboundMessage) -> InboundMessage:
    """ "我想复印住院病历", and "能寄吗 我人在外地" right after its answer: the bot is told it is the
    FAQ (records_copy.py) whatever the NLU would read, the words as typed going along for the
    action. The tracker is asked only when the words may be such a follow-up."""
    text = message.text
    if text.startswith("/"):
        return message  # a button, or words already handed on as one
    if not records_copy.asks_for_copy(text):
        if not records_copy.worth_asking(text):
            return message
        try:
            lines = _bot_lines(engine, rasa_sender)
        except RasaUnavailable:
            return message
        if not lines or lines[-1] not in _records_answers():
            return message
    return replace(message, text=records_copy.FAQ_TRIGGER, metadata={**message.metadata, "typed": text})


def _details_after_triage(engine: DialogueEngine, rasa_sender: str, message: InboundMessage) -> InboundMessage:
    """ "没摔过 也不肿" right after a triage answer or its booking offer: the bot is told it is
    more about the complaint (``/report_symptom``, triage_details.py), whatever the NLU would
    read (set 14's X38 heard it as a "no" to the offer); the words as typed go along. The red
    flags have read it already (handle_message). The tracker is asked only for such words."""
    text = message.text
    if not triage_details.tells_detail(text):
        return message
    try:
        lines = _bot_lines(engine, rasa_sender)
    except RasaUnavailable:
        return message
    if not triage_details.after_triage_answer(lines):
        return message
    trigger = symptom_routing.triage_trigger(text)
    return replace(message, text=trigger, metadata={**message.metadata, "typed": text})


def _records_answers() -> tuple[str, ...]:
    """The records answer and its parts as the facts file words them (none when unreadable)."""
    try:
        facts = load_facts()
    except (OSError, ValueError, yaml.YAMLError):  # FactsError is a ValueError
        return ()
    answers = (facts.medical_records, facts.medical_records_mailing, facts.medical_records_papers)
    return tuple(a for a in answers if a)


def _bot_lines(engine: DialogueEngine, rasa_sender: str) -> list[str]:
    """The bot's recent lines, oldest first."""
    return [line.text for line in engine.transcript(rasa_sender, limit=12) if line.who == "bot"]


def _booking_words(engine: DialogueEngine, rasa_sender: str, message: InboundMessage) -> InboundMessage:
    """ "唔使急 听日得唔得" and "返回 这个点儿太晚了 换个早点的" inside the booking form: the bot
    gets the day, or `/go_back` (booking_words.py); the tracker is asked only for such words.
    The words as typed go along, so a wish said with the going back ("返回 我想换个专家的",
    set 17's N20) still narrows the list (actions/booking.py)."""
    text = message.text
    if not booking_words.worth_asking(text):
        return message
    try:
        meant = booking_words.for_the_bot(text, engine.active_loop(rasa_sender))
    except RasaUnavailable:
        return message
    if meant == text:
        return message
    return replace(message, text=meant, metadata={**message.metadata, "typed": text})


def _shown(replies: list[BotMessage]) -> list[BotMessage]:
    """The bot's answers with any placeholder shown masked, never as a token."""
    return [
        BotMessage(
            placeholders.shown(reply.text),
            tuple(replace(button, title=placeholders.shown(button.title)) for button in reply.buttons),
        )
        for reply in replies
    ]


def _edge_answer(ctx: ServiceContext, state: emergency.EmergencyState | None, kind: str | None) -> _Answer:
    """A follow-up the emergency journey answers itself; the review sees it as `emergency/<kind>`."""
    assert kind is not None
    reply = emergency.follow_up(kind, state, ctx.settings)
    return _Answer([reply], answered=True, understanding=Understanding(f"emergency/{kind}", 1.0))
