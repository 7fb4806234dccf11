"""The blind evaluation sets are frozen: tuning must never edit them to fit."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUMS = [p for p in (ROOT / "tests" / "blind", ROOT / "tests" / "triage" / "blind") if (p / "SHA256SUMS").is_file()]


def _entries() -> list[tuple[Path, str]]:
    out = []
    for folder in SUMS:
        for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
            digest, name = line.split()
            out.append((folder / name, digest))
    return out


@pytest.mark.parametrize(("path", "digest"), _entries(), ids=lambda v: getattr(v, "name", "")[:40])
def test_a_blind_set_is_unchanged(path: Path, digest: str) -> None:
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_the_nlu_set_is_there_and_large_enough() -> None:
    lines = (ROOT / "tests" / "blind" / "nlu_set.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 400
