"""From edited training data to the model the running bot uses, and back.

    request_training → (Celery) run_training: validating → training → evaluating
    → ready (or failed) → activate, and activate an older one to roll back.

Rasa runs in its own environment (.venv-rasa, Python 3.10), so every Rasa step
is a subprocess behind `RasaRunner`; tests hand in a fake. A run trains from
a *snapshot* of the exported YAML taken when it was requested, in a scratch
workspace that mirrors the repository (bot/config.yml, bot/jieba/,
data/rules/, data/stories/ from the checkout; the domain and data/nlu/ from
the snapshot), so edits made while it trains cannot leak into it.

Activation uses Rasa's own model API (`PUT /model {"model_file": path}`, Rasa
started with `--enable-api`): the server loads the new model beside the old
one and swaps, so no conversation is refused meanwhile.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select, update

from config import ROOT, VAR, Settings
from models import ModelVersion, TrainingSnapshot, utcnow
from services import audit
from services.context import ServiceContext
from services.errors import Conflict, DomainError, NotFound
from services.teaching import training_data as td

STATUSES = ("queued", "validating", "training", "evaluating", "ready", "failed")
RUNNING = ("queued", "validating", "training", "evaluating")
STALE_AFTER = timedelta(hours=3)  # a run not heard of for this long died with its worker
LOG_TAIL_LINES = 80
PROGRESS_EVERY_SECONDS = 3.0


class TrainingInProgress(Conflict):
    code, message = "training_in_progress", "已经有一个模型在训练，请等它结束"


class ModelNotReady(Conflict):
    code, message = "model_not_ready", "这个模型还没有训练好，不能启用"


class RasaUnavailable(DomainError):
    code, status, message = "rasa_unavailable", 502, "对话引擎没有接受新模型，线上仍是原来的模型"


class RasaStepFailed(Exception):
    """A Rasa command exited non-zero; carries the end of its output."""

    def __init__(self, step: str, output: str) -> None:
        super().__init__(f"{step} failed")
        self.step = step
        self.output = output


@dataclass(frozen=True)
class LifecyclePaths:
    """Where things are; tests point these at a temporary directory."""

    repo: Path = ROOT  # bot/config.yml, bot/jieba, data/rules, data/stories
    models: Path = VAR / "rasa" / "models"
    work: Path = VAR / "rasa" / "work"
    heldout: Path = ROOT / "tests" / "rasa" / "heldout_nlu.yml"
    triage: Path = ROOT / "data" / "triage"
    rasa_venv: Path = ROOT / ".venv-rasa"
    config: Path | None = None  # another pipeline (the slow test trains with fewer epochs)
    nlu_only: bool = False  # `rasa train nlu` (the slow test; production trains everything)
    cache: Path | None = None  # Rasa's training cache (RASA_CACHE_DIRECTORY); None: the workspace's own

    @classmethod
    def from_settings(cls, settings: Settings) -> LifecyclePaths:
        """The deployment's directories (RASA_PROJECT_DIR, RASA_MODELS_DIR, RASA_WORK_DIR, RASA_CACHE_DIR)."""
        project = settings.rasa_project_dir
        return cls(
            repo=project,
            heldout=project / "tests" / "rasa" / "heldout_nlu.yml",
            models=settings.rasa_models_dir,
            work=settings.rasa_work_dir,
            cache=settings.rasa_cache_dir,
        )

    @property
    def bootstrap_model(self) -> Path:
        """What `make train` made, active before any version from the console."""
        return self.models / "current.tar.gz"


# --- running Rasa --------------------------------------------------------------


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


def rasa_environment(cache: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
    if cache is not None:
        # Without it Rasa caches under the (scratch, deleted) workspace and retrains everything.
        env["RASA_CACHE_DIRECTORY"] = str(cache.resolve())
    return env


class SubprocessRasaRunner(RasaRunner):
    def __init__(self, paths: LifecyclePaths) -> None:
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


def prepare_workspace(files: dict[str, str], paths: LifecyclePaths, workspace: Path) -> Path:
    """A directory laid out like the repository, with the given training files."""
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "bot").mkdir(exist_ok=True)
    shutil.copyfile(paths.config or paths.repo / "bot" / "config.yml", workspace / "bot" / "config.yml")
    for rel in ("bot/jieba", "data/rules", "data/stories"):
        source = paths.repo / rel
        if source.exists():
            shutil.copytree(source, workspace / rel, dirs_exist_ok=True)
    td.write_directory(workspace, files)
    return workspace


def triage_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# --- the model server ------------------------------------------------------------


class ModelServer(ABC):
    @abstractmethod
    def load(self, model_path: Path) -> None:
        """Make the running bot use this model; raises RasaUnavailable."""


class RasaModelApi(ModelServer):
    """Rasa's HTTP API (`rasa run --enable-api`): PUT /model loads and swaps."""

    def __init__(self, base_url: str, timeout: float = 300.0, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token

    def load(self, model_path: Path) -> None:
        params = {"token": self.token} if self.token else None
        try:
            resp = requests.put(
                f"{self.base_url}/model",
                json={"model_file": str(model_path)},
                params=params,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise RasaUnavailable(detail=type(exc).__name__) from exc
        if resp.status_code != 204:
            raise RasaUnavailable(status_code=resp.status_code, body=resp.text[:500])


# --- versions ----------------------------------------------------------------------


@dataclass(frozen=True)
class VersionView:
    id: str
    status: str
    requested_by: str
    comment: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    model_path: str | None
    log_tail: str
    evaluation: dict[str, Any] | None
    error: str | None
    active: bool
    activated_at: datetime | None


def _view(row: ModelVersion) -> VersionView:
    return VersionView(
        id=row.id,
        status=row.status,
        requested_by=row.requested_by,
        comment=row.comment,
        created_at=row.created_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
        model_path=row.model_path,
        log_tail=row.log_tail,
        evaluation=json.loads(row.evaluation) if row.evaluation else None,
        error=row.error,
        active=row.active,
        activated_at=row.activated_at,
    )


def get_version(ctx: ServiceContext, version_id: str) -> VersionView:
    with ctx.db.reading() as session:
        row = session.get(ModelVersion, version_id)
        if row is None:
            raise NotFound(f"没有这个模型版本 {version_id}")
        return _view(row)


def list_versions(ctx: ServiceContext, limit: int = 50) -> list[VersionView]:
    with ctx.db.reading() as session:
        rows = session.scalars(select(ModelVersion).order_by(ModelVersion.created_at.desc()).limit(limit))
        return [_view(row) for row in rows]


def active_version(ctx: ServiceContext) -> VersionView | None:
    with ctx.db.reading() as session:
        row = session.scalars(select(ModelVersion).where(ModelVersion.active.is_(True))).first()
        return _view(row) if row else None


def _new_version_id() -> str:
    return utcnow().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def request_training(
    ctx: ServiceContext, *, author: str, comment: str = "", paths: LifecyclePaths | None = None
) -> str:
    """Freeze the current data as a snapshot and queue a run for it."""
    paths = paths or LifecyclePaths()
    with ctx.db.transaction() as session:
        busy = session.scalars(
            select(ModelVersion).where(
                ModelVersion.status.in_(RUNNING), ModelVersion.updated_at > utcnow() - STALE_AFTER
            )
        ).first()
        if busy is not None:
            raise TrainingInProgress(version=busy.id)
        snapshot = td.add_snapshot(session, author, "train")
        version = ModelVersion(
            id=_new_version_id(),
            requested_by=author,
            comment=comment[:500],
            snapshot_id=snapshot.id,
            triage_digest=triage_digest(paths.triage) if paths.triage.exists() else "",
        )
        session.add(version)
        audit.record(session, actor=author, action="model.train.request", subject=version.id)
        return version.id


def register_model(
    ctx: ServiceContext, model_file: Path, *, author: str, comment: str = "", paths: LifecyclePaths | None = None
) -> str:
    """A model trained outside the console (`make train`, another machine) as a ready
    version, copied beside the others, so it can be activated and rolled back to."""
    if not model_file.is_file():
        raise NotFound(f"没有这个模型文件 {model_file}")
    version_id = _new_version_id()
    paths = paths or LifecyclePaths()
    paths.models.mkdir(parents=True, exist_ok=True)
    target = paths.models / f"{version_id}.tar.gz"
    shutil.copyfile(model_file, target)
    with ctx.db.transaction() as session:
        # The newest snapshot stands in for its data (the baseline of pending changes stays).
        snapshot_id = session.scalar(select(func.max(TrainingSnapshot.id)))
        if snapshot_id is None:
            snapshot_id = td.add_snapshot(session, author, "register").id
        now = utcnow()
        session.add(
            ModelVersion(
                id=version_id,
                requested_by=author,
                comment=comment[:500] or f"登记的模型 {model_file.name}",
                snapshot_id=snapshot_id,
                triage_digest="",
                status="ready",
                model_path=str(target.resolve()),
                finished_at=now,
            )
        )
        audit.record(session, actor=author, action="model.register", subject=version_id)
    return version_id


def _set(ctx: ServiceContext, version_id: str, **values: Any) -> None:
    with ctx.db.transaction() as session:
        session.execute(update(ModelVersion).where(ModelVersion.id == version_id).values(updated_at=utcnow(), **values))


def _baseline_model(ctx: ServiceContext, paths: LifecyclePaths) -> tuple[Path | None, str | None]:
    """The active model to compare against, and the triage digest it was trained beside."""
    active = active_version(ctx)
    if active is not None and active.model_path and Path(active.model_path).exists():
        with ctx.db.reading() as session:
            row = session.get(ModelVersion, active.id)
            digest = row.triage_digest if row else None
        return Path(active.model_path), digest
    return (paths.bootstrap_model if paths.bootstrap_model.exists() else None), None


def run_training(
    ctx: ServiceContext, version_id: str, runner: RasaRunner, paths: LifecyclePaths | None = None
) -> VersionView:
    """The background job: validate, train, evaluate; the row says how far it got."""
    paths = paths or LifecyclePaths()
    with ctx.db.reading() as session:
        row = session.get(ModelVersion, version_id)
        if row is None:
            raise NotFound(f"没有这个模型版本 {version_id}")
        if row.status != "queued":
            return _view(row)  # a redelivered task: the first delivery owns the run
        snapshot_id, digest = row.snapshot_id, row.triage_digest
    files = td.snapshot_files(ctx, snapshot_id)
    workspace = paths.work / version_id
    shutil.rmtree(workspace, ignore_errors=True)
    try:
        prepare_workspace(files, paths, workspace)
        _set(ctx, version_id, status="validating")
        _set(ctx, version_id, log_tail=runner.validate(workspace)[-8000:])

        _set(ctx, version_id, status="training")
        model = runner.train(
            workspace, paths.models, version_id, lambda tail: _set(ctx, version_id, log_tail=tail[-8000:])
        )
        _set(ctx, version_id, status="evaluating", model_path=str(model.resolve()))

        active, active_digest = _baseline_model(ctx, paths)
        evaluation = runner.evaluate(workspace, model, active)
        evaluation["active_model"] = str(active) if active else None
        evaluation.update(confusion_changes(evaluation))
        if paths.triage.exists() and digest != active_digest:
            evaluation["triage"] = triage_suite(paths.triage)
        _set(
            ctx,
            version_id,
            status="ready",
            finished_at=utcnow(),
            evaluation=json.dumps(evaluation, ensure_ascii=False),
        )
    except RasaStepFailed as exc:
        _set(ctx, version_id, status="failed", finished_at=utcnow(), error=f"{exc.step} 失败", log_tail=exc.output)
    except Exception as exc:
        _set(ctx, version_id, status="failed", finished_at=utcnow(), error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    return get_version(ctx, version_id)


def confusion_changes(evaluation: dict[str, Any]) -> dict[str, Any]:
    """Which (gold → predicted) intent confusions the candidate gained or lost."""
    candidate = {tuple(c["pair"]): c["count"] for c in (evaluation.get("candidate") or {}).get("confusions", [])}
    active = {tuple(c["pair"]): c["count"] for c in (evaluation.get("active") or {}).get("confusions", [])}
    changed = [
        {"gold": pair[0], "predicted": pair[1], "active": active.get(pair, 0), "candidate": candidate.get(pair, 0)}
        for pair in sorted(set(candidate) | set(active))
        if candidate.get(pair, 0) != active.get(pair, 0)
    ]
    return {"confusions_changed": changed}


def validate_current(ctx: ServiceContext, runner: RasaRunner, paths: LifecyclePaths | None = None) -> tuple[bool, str]:
    """`rasa data validate` on the current (unsaved) state, in a scratch copy."""
    paths = paths or LifecyclePaths()
    with tempfile.TemporaryDirectory(prefix="validate-") as tmp:
        workspace = prepare_workspace(td.export_files(ctx), paths, Path(tmp))
        try:
            return True, runner.validate(workspace)
        except RasaStepFailed as exc:
            return False, exc.output


# --- triage suite --------------------------------------------------------------------

# The same thresholds as tests/unit/triage/test_quality.py (the reasons are written there).
LEVEL_ACCURACY_MIN = 0.85
DEPARTMENT_ACCURACY_MIN = 0.85
EDGE_FALSE_POSITIVE_MAX = 0.03


@dataclass
class TriageGate:
    passed: bool
    figures: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def triage_gate(triage_dir: Path, departments_file: Path | None = None) -> TriageGate:
    """Load a candidate data/triage and run the vignette and corpus gates on it."""
    from services.clinical.triage import TriageDataError, TriageEngine
    from services.clinical.triage.evaluation import (
        NON_EMERGENCY_CORPUS,
        RED_FLAG_CORPUS,
        evaluate,
        flagged,
        load_lines,
        load_vignettes,
        missed_red_flags,
    )

    try:
        engine = TriageEngine.from_directory(triage_dir, departments_file)
    except (TriageDataError, ValueError, OSError) as exc:
        return TriageGate(False, failures=[f"规则无法加载：{exc}"[:2000]])
    report = evaluate(engine, load_vignettes())
    red_flag_lines = load_lines(RED_FLAG_CORPUS)
    missed = missed_red_flags(engine, red_flag_lines)
    ordinary = load_lines(NON_EMERGENCY_CORPUS)
    false_alarm_rate = len(flagged(engine, ordinary)) / max(1, len(ordinary))
    figures = {
        "vignettes": report.total,
        "level_accuracy": round(report.level_accuracy, 4),
        "department_accuracy": round(report.department_accuracy, 4),
        "emergencies_missed": [o.vignette.text for o in report.emergency_missed],
        "red_flag_corpus": len(red_flag_lines),
        "red_flags_missed": missed,
        "false_alarm_rate": round(false_alarm_rate, 4),
    }
    failures = []
    if report.emergency_missed:
        failures.append(f"漏掉 {len(report.emergency_missed)} 个急诊病例")
    if missed:
        failures.append(f"危险信号语料漏掉 {len(missed)} 条")
    if report.level_accuracy < LEVEL_ACCURACY_MIN:
        failures.append(f"分诊级别准确率 {report.level_accuracy:.3f} < {LEVEL_ACCURACY_MIN}")
    if report.department_accuracy < DEPARTMENT_ACCURACY_MIN:
        failures.append(f"首选科室准确率 {report.department_accuracy:.3f} < {DEPARTMENT_ACCURACY_MIN}")
    if false_alarm_rate > EDGE_FALSE_POSITIVE_MAX:
        failures.append(f"误报率 {false_alarm_rate:.3f} > {EDGE_FALSE_POSITIVE_MAX}")
    return TriageGate(not failures, figures, failures)


def triage_suite(triage_dir: Path) -> dict[str, Any]:
    gate = triage_gate(triage_dir)
    return {"passed": gate.passed, "failures": gate.failures, **gate.figures}


# --- activation ----------------------------------------------------------------------


def activate(ctx: ServiceContext, version_id: str, server: ModelServer, *, actor: str, reason: str = "") -> VersionView:
    """Load a ready version on the running Rasa server, then record it as active.
    Activating an older version is the rollback."""
    with ctx.db.reading() as session:
        row = session.get(ModelVersion, version_id)
        if row is None:
            raise NotFound(f"没有这个模型版本 {version_id}")
        if row.status != "ready" or not row.model_path or not Path(row.model_path).exists():
            raise ModelNotReady(version=version_id, status=row.status)
        model_path = Path(row.model_path)
        previous = session.scalars(select(ModelVersion.id).where(ModelVersion.active.is_(True))).first()
    server.load(model_path)  # raises: the database still names the model Rasa keeps serving
    with ctx.db.transaction() as session:
        session.execute(update(ModelVersion).where(ModelVersion.active.is_(True)).values(active=False))
        session.execute(
            update(ModelVersion).where(ModelVersion.id == version_id).values(active=True, activated_at=utcnow())
        )
        audit.record(
            session,
            actor=actor,
            action="model.activate",
            subject=version_id,
            reason=reason[:200] or None,
            detail={"previous": previous},
        )
    return get_version(ctx, version_id)
