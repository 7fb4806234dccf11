"""Validating, training and evaluating with Rasa, which lives in its own
environment (.venv-rasa, Python 3.10): every step is a subprocess in a
workspace laid out like the repository. Tests hand the service a fake
`RasaRunner` instead."""

from __future__ import annotations

import json
import os
import subprocess
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from integrations.rasa.errors import RasaStepFailed

LOG_TAIL_LINES = 80
PROGRESS_EVERY_SECONDS = 3.0


class RasaRunner(ABC):
    @abstractmethod
    def validate(self, workspace: Path) -> str:
        """`rasa data validate`; raises RasaStepFailed."""

    @abstractmethod
    def train(self, workspace: Path, out_dir: Path, name: str, progress: Callable[[str], None]) -> Path:
        """`rasa train` into out_dir/name.tar.gz; progress gets the log tail now and then."""

    @abstractmethod
    def evaluate(self, workspace: Path, candidate: Path, active: Path | None) -> dict[str, Any]:
        """Scores of both models on the held-out set (scripts/evaluate_models.py)."""


class RunnerPaths(Protocol):
    """What the runner needs to know of where things are (the teaching service's
    `LifecyclePaths` has these, and more)."""

    @property
    def repo(self) -> Path:
        """The checkout holding scripts/evaluate_models.py."""

    @property
    def heldout(self) -> Path: ...

    @property
    def rasa_venv(self) -> Path: ...

    @property
    def nlu_only(self) -> bool:
        """`rasa train nlu` instead of everything."""

    @property
    def cache(self) -> Path | None:
        """Rasa's training cache; None: the workspace's own."""


def rasa_environment(cache: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
    if cache is not None:
        # Without it Rasa caches under the (scratch, deleted) workspace and retrains everything.
        env["RASA_CACHE_DIRECTORY"] = str(cache.resolve())
    return env


class SubprocessRasaRunner(RasaRunner):
    def __init__(self, paths: RunnerPaths) -> None:
        self.paths = paths
        self.rasa = paths.rasa_venv / "bin" / "rasa"
        self.python = paths.rasa_venv / "bin" / "python"

    def _run(self, step: str, cmd: list[str], cwd: Path, progress: Callable[[str], None] | None = None) -> str:
        tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
        last = 0.0
        with subprocess.Popen(
            cmd,
            cwd=cwd,
            env=rasa_environment(self.paths.cache),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                tail.append(line.rstrip("\n"))
                if progress and time.monotonic() - last > PROGRESS_EVERY_SECONDS:
                    last = time.monotonic()
                    progress("\n".join(tail))
            code = proc.wait()
        output = "\n".join(tail)
        if code != 0:
            raise RasaStepFailed(step, output)
        return output

    def validate(self, workspace: Path) -> str:
        cmd = [str(self.rasa), "data", "validate", "--config", "bot/config.yml", "--domain", "bot/domain.yml"]
        cmd += ["--data", "data/nlu", "data/rules", "data/stories"]
        return self._run("validate", cmd, workspace)

    def train(self, workspace: Path, out_dir: Path, name: str, progress: Callable[[str], None]) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        common = ["--config", "bot/config.yml", "--domain", "bot/domain.yml", "--out", str(out_dir)]
        common += ["--fixed-model-name", name]
        if self.paths.nlu_only:
            cmd = [str(self.rasa), "train", "nlu", "--nlu", "data/nlu", *common]
        else:
            cmd = [str(self.rasa), "train", "--data", "data/nlu", "data/rules", "data/stories", *common]
        self._run("train", cmd, workspace, progress)
        model = out_dir / f"{name}.tar.gz"
        if not model.exists():
            raise RasaStepFailed("train", f"rasa train finished without writing {model}")
        return model

    def evaluate(self, workspace: Path, candidate: Path, active: Path | None) -> dict[str, Any]:
        result = workspace / "evaluation.json"
        cmd = [str(self.python), str(self.paths.repo / "scripts" / "evaluate_models.py"), "--nlu", "data/nlu"]
        cmd += ["--heldout", str(self.paths.heldout), "--candidate", str(candidate), "--out", str(result)]
        if active is not None:
            cmd += ["--active", str(active)]
        self._run("evaluate", cmd, workspace)
        loaded: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
        return loaded
