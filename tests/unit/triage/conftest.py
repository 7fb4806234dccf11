"""One engine for the whole triage test session (loading compiles ~1k regexes)."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, default_engine


@pytest.fixture(scope="session")
def engine() -> TriageEngine:
    return default_engine()
