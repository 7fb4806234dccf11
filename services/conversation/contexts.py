"""Encryption contexts of the conversation's stored columns, shared by the turn,
the hand-off, the log and the review (a context binds a ciphertext to its column)."""

TEXT_CONTEXT = "inbound_messages.text"
CONVERSATION_CONTEXT = "inbound_messages.conversation"
