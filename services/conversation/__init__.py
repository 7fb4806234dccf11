"""The conversation: one patient turn through the front door (turns.py), the
hand-off to staff, what the channel edge keeps (opt-outs, pending pushed replies,
shared tokens), the conversation log and its review by staff."""
