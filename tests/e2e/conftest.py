"""One running system for every end-to-end test of the session: starting Rasa
costs about a minute, so the journeys and the console share it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.stack import Stack, full_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with full_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running
