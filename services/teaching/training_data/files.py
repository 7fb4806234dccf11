"""The training files on disk: the part of a checkout (or an exported copy) this
editor owns, `data/nlu/**/*.yml` and `bot/domain.yml`, read and written as
path → text so the database side never touches the filesystem itself."""

from __future__ import annotations

from pathlib import Path

from services.teaching.training_yaml import DOMAIN_PATH, NLU_DIR


def read_directory(root: Path) -> dict[str, str]:
    """The files this editor owns under a checkout (or an exported copy)."""
    files = {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((root / NLU_DIR).rglob("*.yml"))
    }
    files[DOMAIN_PATH] = (root / DOMAIN_PATH).read_text(encoding="utf-8")
    return files


def write_directory(root: Path, files: dict[str, str], previous: dict[str, str] | None = None) -> None:
    """Write `files` under `root`; NLU files that existed before and are gone now are removed."""
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    for rel in set(previous or {}) - set(files):
        if rel.startswith(NLU_DIR + "/"):
            (root / rel).unlink(missing_ok=True)
