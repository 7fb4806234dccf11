"""Typed errors of the triage engine."""

from __future__ import annotations


class TriageDataError(ValueError):
    """The knowledge files under ``data/triage`` are invalid.

    Raised at load time, never while assessing a patient, so a bad edit by
    staff stops the process at start-up instead of mis-triaging someone.
    """
