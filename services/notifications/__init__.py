"""Outgoing messages: the outbox, its delivery through senders, reminders and the
patient-facing message texts."""
