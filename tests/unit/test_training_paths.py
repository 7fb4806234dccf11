"""Where a training run takes the bot project from and keeps its models, scratch
workspaces and Rasa's cache: from the settings (RASA_PROJECT_DIR, RASA_MODELS_DIR,
RASA_WORK_DIR, RASA_CACHE_DIR), so the worker and the pages of one deployment agree,
and the cache survives the scratch workspace."""

from __future__ import annotations

from pathlib import Path

from config import ROOT, VAR, load_settings
from integrations.rasa.training_runner import rasa_environment
from services.teaching import model_lifecycle as ml


def test_the_defaults_are_the_checkouts_own() -> None:
    paths = ml.LifecyclePaths.from_settings(load_settings(app_env="test"))
    assert paths.models == VAR / "rasa" / "models" and paths.work == VAR / "rasa" / "work"
    assert paths.cache == ROOT / ".rasa" / "cache"  # where `make train` keeps its cache
    assert paths.bootstrap_model == VAR / "rasa" / "models" / "current.tar.gz"
    assert paths.repo == ROOT and paths.heldout == ROOT / "tests" / "rasa" / "heldout_nlu.yml"


def test_the_environment_moves_them(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RASA_MODELS_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("RASA_WORK_DIR", str(tmp_path / "w"))
    monkeypatch.setenv("RASA_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("RASA_PROJECT_DIR", str(tmp_path / "bot-project"))
    paths = ml.LifecyclePaths.from_settings(load_settings(app_env="test"))
    assert (paths.models, paths.work, paths.cache) == (tmp_path / "m", tmp_path / "w", tmp_path / "c")
    assert paths.repo == tmp_path / "bot-project"
    assert paths.heldout == tmp_path / "bot-project" / "tests" / "rasa" / "heldout_nlu.yml"


def test_rasa_runs_with_the_shared_cache(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("RASA_CACHE_DIRECTORY", raising=False)
    assert rasa_environment(tmp_path / "c")["RASA_CACHE_DIRECTORY"] == str((tmp_path / "c").resolve())
    assert "RASA_CACHE_DIRECTORY" not in rasa_environment(None)  # Rasa's default: under the workspace
