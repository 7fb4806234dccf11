"""Action tests run inside the Rasa venv (Python 3.10, rasa-sdk):

    .venv-rasa/bin/python -m pytest tests/actions

The app's pytest (Python 3.11, no rasa-sdk) skips collecting this folder and
runs it through tests/rasa/test_actions_in_rasa_venv.py instead.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if importlib.util.find_spec("rasa_sdk") is None:  # the app venv: collected via a subprocess instead
    collect_ignore_glob = ["test_*.py"]
else:
    import yaml
    from rasa_sdk.executor import CollectingDispatcher

    from actions import common
    from integrations.hospital import HttpHospitalBackend
    from tests.actions.fake_hospital import TOKEN, FakeHospital, FakeHospitalServer

    ROOT = Path(__file__).resolve().parents[2]

    @pytest.fixture(scope="session")
    def domain() -> dict[str, Any]:
        with (ROOT / "bot" / "domain.yml").open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)

    @pytest.fixture
    def hospital() -> Iterator[FakeHospital]:
        """A fresh fake hospital on a local port, wired in as the actions' backend."""
        with FakeHospitalServer() as server:
            common.set_backend(HttpHospitalBackend(base_url=server.url, token=TOKEN, retries=1, backoff=0.01))
            common._catalogue_cache.clear()
            yield server.hospital
        common.set_backend(None)
        common._catalogue_cache.clear()

    @pytest.fixture
    def down() -> Iterator[None]:
        """A backend that nobody answers (connection refused)."""
        common.set_backend(HttpHospitalBackend(base_url="http://127.0.0.1:9", token=TOKEN, retries=0))
        common._catalogue_cache.clear()
        yield
        common.set_backend(None)
        common._catalogue_cache.clear()

    @pytest.fixture
    def dispatcher() -> CollectingDispatcher:
        return CollectingDispatcher()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests (rasa-sdk actions are coroutines) without a plugin."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**args))
    return True
