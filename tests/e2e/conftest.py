"""One running system for every end-to-end test of the session: starting Rasa
costs about a minute, so the journeys and the console share it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.stack import Stack, full_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # The journeys here predate the chat's consent question (services/conversation/consent.py,
    # tested through /api/v1/chat in tests/integration/test_privacy_consent.py): the stack's
    # servers run without it. Given to the servers only: a variable set in this process would
    # outlive the fixture's start and reach every later test's settings (production checks).
    with full_stack(tmp_path_factory.mktemp("stack"), app_env={"PRIVACY_CONSENT_REQUIRED": "false"}) as running:
        yield running


@pytest.fixture(scope="session", autouse=True)
def warm_triage_engine() -> None:
    """Train the triage learned layer once, before any browser test times a reply: gunicorn
    does it at worker start (gunicorn.conf.py), a test's in-process server would pay it on
    the first long chat message (services/clinical/triage/edge.py) and miss a 5 s wait."""
    from services.clinical.triage import default_engine

    default_engine().warm_up()
