"""Which model file the app serves to Rasa's model pullers, and its version tag.

Rasa started with a `models: url` endpoint (bot/endpoints-pull.yml) asks the app every
few seconds for its model, sending the ETag of the one it runs; it downloads and loads a
new file only when the app hands it one. So activating a version in the console reaches
every Rasa replica, however many run behind one Service, one replica at a time
(services/teaching/model_rollout.py).

The tag names the version, never the file's bytes: hashing a 50 MB model for every
poll of every replica would cost more than the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.context import ServiceContext
from services.teaching.model_lifecycle import LifecyclePaths, active_version


@dataclass(frozen=True)
class ServedModel:
    path: Path
    etag: str
    filename: str  # what Rasa saves it as (its /status shows it as model_file)


def served_model(ctx: ServiceContext, paths: LifecyclePaths) -> ServedModel | None:
    """The active version; before any, what `make train` made. None when the database
    names a model this process cannot read: better no answer (Rasa keeps what it runs and
    asks again) than a model other than the one the console shows as active."""
    active = active_version(ctx)
    if active is not None:
        if active.model_path and Path(active.model_path).is_file():
            return ServedModel(Path(active.model_path), f"version-{active.id}", f"{active.id}.tar.gz")
        return None
    bootstrap = paths.bootstrap_model
    if not bootstrap.is_file():
        return None
    stat = bootstrap.stat()
    tag = f"bootstrap-{stat.st_size}-{stat.st_mtime_ns}"
    return ServedModel(bootstrap, tag, f"{tag}.tar.gz")
