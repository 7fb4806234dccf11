"""The NLU's reading of an answered message (intent, confidence), read after the reply.

The conversation review shows it and filters on it ("only low confidence"), but the
patient's answer does not need it: reading it from Rasa inside the turn cost every
turn a second Rasa round trip, which queued behind other patients' dialogue turns in
Rasa's one event loop (issue 14). So the edge answers first and hands the read to one
background thread per process, through a bounded queue. When the queue is full (Rasa
far behind) the read is dropped and counted, and the message is kept without its
intent: the review shows it as unread, nothing else is lost. Reads pending when a
process stops are dropped the same way.

The one read that stays inside the turn is the symptom check's
(services/conversation/symptom_routing.py), and only for a message that looks like a
complaint the bot did not already send to its fallback.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass

from prometheus_client import Counter
from sqlalchemy import update

from integrations.rasa.client import DialogueEngine, RasaUnavailable, Understanding
from models import ConversationMessage
from services.context import ServiceContext

log = logging.getLogger(__name__)
# A read costs Rasa about 10 ms; a thousand pending is well over a minute of Rasa lagging.
MAX_PENDING_READS = 1000

UNDERSTANDING_UNREAD = Counter(
    "hospital_nlu_read_failures_total", "Answered messages whose intent and confidence could not be read", ["channel"]
)
READS_DROPPED = Counter(
    "hospital_nlu_reads_dropped_total", "Intent reads dropped because the background queue was full", ["channel"]
)


@dataclass(frozen=True)
class PendingRead:
    ctx: ServiceContext
    engine: DialogueEngine
    row_id: int  # the kept message (ConversationMessage.id)
    conversation_id: str
    text: str  # as Rasa got it (placeholders in place of ID numbers and phones)
    channel: str


def read_now(engine: DialogueEngine, conversation_id: str, text: str, channel: str) -> Understanding | None:
    """The NLU's reading of `text`, the conversation's latest message, or None: never raises."""
    try:
        return engine.understood(conversation_id, text)
    except RasaUnavailable as exc:
        UNDERSTANDING_UNREAD.labels(channel).inc()
        log.info("could not read the intent of an answered message", extra={"reason": str(exc)})
        return None


def store(ctx: ServiceContext, row_id: int, understanding: Understanding) -> None:
    """Keep the reading with the message, unless one was kept already (an edge answer's)."""
    with ctx.db.transaction() as session:
        session.execute(
            update(ConversationMessage)
            .where(ConversationMessage.id == row_id, ConversationMessage.intent.is_(None))
            .values(intent=understanding.intent, confidence=understanding.confidence)
        )


def record(read: PendingRead) -> None:
    understanding = read_now(read.engine, read.conversation_id, read.text, read.channel)
    if understanding is not None:
        store(read.ctx, read.row_id, understanding)


class BackgroundReader:
    """A bounded queue and one daemon thread, started on first use in each process
    (gunicorn forks its workers; a thread does not survive a fork, so it is per pid)."""

    def __init__(self, size: int = MAX_PENDING_READS) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._pid = 0
        self._queue: queue.Queue[PendingRead] = queue.Queue(size)

    def submit(self, read: PendingRead) -> bool:
        """Queue the read; False (and counted) when the queue is full."""
        self._ensure_thread()
        try:
            self._queue.put_nowait(read)
            return True
        except queue.Full:
            READS_DROPPED.labels(read.channel).inc()
            return False

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every queued read is done (tests, and a graceful stop); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._queue.all_tasks_done.wait(left)
        return True

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._queue = queue.Queue(self.size)  # a parent's pending reads are not ours
                threading.Thread(target=self._run, name="nlu-reads", daemon=True).start()
                self._pid = os.getpid()

    def _run(self) -> None:
        pending = self._queue
        while True:
            read = pending.get()
            try:
                record(read)
            except Exception:  # a database outage or a bug must not end the thread
                log.exception("an intent read could not be kept", extra={"channel": read.channel})
            finally:
                pending.task_done()


READER = BackgroundReader()


def after_reply(
    ctx: ServiceContext, engine: DialogueEngine, row_id: int, conversation_id: str, text: str, channel: str
) -> bool:
    """Read and keep the message's intent and confidence later, off the patient's turn."""
    return READER.submit(PendingRead(ctx, engine, row_id, conversation_id, text, channel))


def wait_idle(timeout: float = 5.0) -> bool:
    return READER.wait_idle(timeout)
