"""Rasa SDK custom actions, one module per journey.

``rasa run actions --actions actions`` imports this package and registers
every concrete ``Action`` subclass found in its modules. Actions are thin:
they read the tracker, call the hospital through ``integrations.hospital``
and pick a domain response; the wording lives in ``bot/domain.yml``.
"""
