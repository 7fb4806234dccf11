"""A model trained from the console is trained in a scratch workspace: the pipeline's
own components (bot/config.yml names bot.components...) and the department tables
they read must be there, or the training fails on an import."""

from __future__ import annotations

from pathlib import Path

import yaml

from services.teaching.model_lifecycle import LifecyclePaths, prepare_workspace


def test_workspace_holds_the_pipeline_components_and_department_tables(tmp_path: Path) -> None:
    paths = LifecyclePaths()
    workspace = prepare_workspace({}, paths, tmp_path / "ws")
    config = yaml.safe_load((workspace / "bot" / "config.yml").read_text(encoding="utf-8"))
    own = [step["name"] for step in config["pipeline"] if step["name"].startswith("bot.components.")]
    assert own, "bot/config.yml names no component of bot/components/"
    for name in own:
        module = name.rsplit(".", 1)[0]
        assert (workspace / (module.replace(".", "/") + ".py")).is_file(), module
    catalogue = "data/departments.yml"
    assert (workspace / catalogue).read_bytes() == (paths.repo / catalogue).read_bytes()
    assert (workspace / "data" / "triage" / "routing.yml").is_file()
    assert not list(workspace.rglob("__pycache__"))
