"""The two engines the triage paraphrase tests ask, built once per test session: loading the
protocols and fitting the learned layer is the slow part, and every module asked the same."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, default_engine
from services.clinical.triage.knowledge import DEFAULT_DATA_DIR


@pytest.fixture(scope="session")
def rules() -> TriageEngine:
    """The rules alone, as the chat edge runs them: a paraphrase must hold without the learned layer."""
    return TriageEngine.from_directory(DEFAULT_DATA_DIR)


@pytest.fixture(scope="session")
def engine() -> TriageEngine:
    """Rules and the learned layer, as the assistant runs them."""
    return default_engine()
