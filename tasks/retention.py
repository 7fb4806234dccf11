"""Personal data is kept only as long as it is needed (docs/security.md, personal data)."""

from __future__ import annotations

from celery import shared_task

from services.conversation import legacy_trackers, retention
from tasks.context import task_context


@shared_task(name="conversations.purge_old")
def purge_old_conversations() -> dict[str, int]:
    """Conversations older than CONVERSATION_RETENTION_DAYS out of Rasa's tracker store and
    the app's log, expired placeholder values and old one-time codes, notifications past
    OUTBOX_RETENTION_DAYS and hand-offs closed HANDOFF_RETENTION_DAYS ago; then Rasa's trackers
    from before pseudonyms renamed to them (legacy_trackers.py); counts for the task result."""
    ctx = task_context()
    purged = retention.purge_old_conversations(ctx)
    renamed = legacy_trackers.pseudonymise(ctx)  # what is left of trackers from before pseudonyms
    return {
        "conversations": purged.conversations,
        "events": purged.events,
        "messages": purged.messages,
        "secrets": purged.secrets,
        "codes": purged.codes,
        "privacy": purged.privacy,
        "outbox": purged.outbox,
        "pending_replies": purged.pending_replies,
        "handoff_tickets": purged.handoff_tickets,
        "legacy_trackers_renamed": renamed.conversations,
        "legacy_trackers_dropped": renamed.dropped,
    }
