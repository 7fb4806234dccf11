"""Flask-Limiter, shared by the blueprints. Redis when configured, memory otherwise."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def patient_key() -> str:
    """Service routes are limited per patient: all patients arrive through a few callers."""
    data = request.get_json(silent=True)
    patient = data.get("patient_id") if isinstance(data, dict) else None
    return f"patient:{patient}" if isinstance(patient, str) else f"ip:{get_remote_address()}"


def sender_key() -> str:
    """Public chat is limited per sender as well as per IP: one script, many senders, one IP."""
    data = request.get_json(silent=True)
    sender = data.get("sender") if isinstance(data, dict) else None
    return f"sender:{sender}" if isinstance(sender, str) else f"ip:{get_remote_address()}"
