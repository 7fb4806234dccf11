"""`make pii-scan` over a running stack (tests/e2e/stack.py): the app's database, Rasa's
tracker store, the Celery broker and every process's log, with scripts/pii_scan.py's
own functions, so the end-to-end suite fails when a plaintext ID number or phone is
left anywhere (issue 11.5)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from config import ROOT


def _pii_scan() -> ModuleType:
    """scripts/ is not a package: load the script as `make pii-scan` runs it."""
    if "pii_scan" not in sys.modules:
        spec = importlib.util.spec_from_file_location("pii_scan", ROOT / "scripts" / "pii_scan.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["pii_scan"] = module
        spec.loader.exec_module(module)
    return sys.modules["pii_scan"]


@dataclass(frozen=True)
class Stores:
    database_url: str
    tracker_url: str
    broker_url: str  # sqla+sqlite:///… as Celery has it
    logs: tuple[Path, ...]


def stores_of(directory: Path, database_url: str, tracker_url: str, broker_url: str) -> Stores:
    return Stores(database_url, tracker_url, broker_url, tuple(sorted(directory.glob("*.log"))))


def _exists(url: str) -> bool:
    path = url.removeprefix("sqla+").removeprefix("sqlite:///")
    return not url.removeprefix("sqla+").startswith("sqlite:///") or Path(path).exists()


def personal_data_left(stores: Stores) -> list[str]:
    """Where plaintext ID numbers or phones were found ("tracker events.data: 2 plaintext phone");
    never the numbers themselves. A store that was never created holds nothing."""
    scan = _pii_scan()
    findings = []
    for label, url in (
        ("database", stores.database_url),
        ("tracker", stores.tracker_url),
        ("broker", stores.broker_url.removeprefix("sqla+")),
    ):
        if _exists(url):
            findings += scan.scan_store(url, label)
    findings += scan.scan_files(list(stores.logs), "logs")
    return [f"{f.where}: {f.count} plaintext {f.kind}" for f in findings]
