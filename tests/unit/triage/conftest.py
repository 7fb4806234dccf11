"""One engine for the whole triage test session (loading compiles ~1k regexes)."""

from __future__ import annotations

from typing import Any

import pytest

from services.clinical.triage import TriageEngine, TriageInput, default_engine
from services.clinical.triage.knowledge import DEFAULT_DATA_DIR


@pytest.fixture(scope="session")
def engine() -> TriageEngine:
    return default_engine()


@pytest.fixture(scope="session")
def rules() -> TriageEngine:
    """The rules alone, without the learned layer: a paraphrase must hold on the rules."""
    return TriageEngine.from_directory(DEFAULT_DATA_DIR)


def vignette_input(case: dict[str, Any]) -> TriageInput:
    """A blind vignette's fields as the API takes them."""
    return TriageInput.model_validate({k: case.get(k) for k in ("text", "age", "sex", "pregnant")})
