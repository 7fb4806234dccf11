"""From edited training data to the model the running bot uses, and back.

    request_training → (Celery) run_training: validating → training → evaluating
    → ready (or failed) → activate, and activate an older one to roll back.

Rasa runs in its own environment (.venv-rasa, Python 3.10), so every Rasa step
is a subprocess behind `RasaRunner` (integrations/rasa/training_runner.py);
tests hand in a fake. A run trains from a *snapshot* of the exported YAML
taken when it was requested, in a scratch workspace that mirrors the
repository (bot/config.yml, bot/jieba/, data/rules/, data/stories/ from the
checkout; the domain and data/nlu/ from the snapshot), so edits made while it
trains cannot leak into it.

Activation goes through a `ModelServer` (integrations/rasa/model_api.py: Rasa's
own `PUT /model`), which swaps models without refusing a conversation; the
triage gates a run reports live in services/teaching/triage_gate.py.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from config import ROOT, VAR, Settings
from integrations.rasa.errors import RasaStepFailed, RasaUnavailable
from integrations.rasa.model_api import ModelServer
from integrations.rasa.training_runner import RasaRunner
from models import ModelVersion, TrainingItem, TrainingSnapshot, utcnow
from services import audit
from services.context import ServiceContext
from services.errors import Conflict, DomainError, NotFound
from services.teaching import training_data as td
from services.teaching.triage_gate import triage_digest, triage_suite

STATUSES = ("queued", "validating", "training", "evaluating", "ready", "failed")
RUNNING = ("queued", "validating", "training", "evaluating")
STALE_AFTER = timedelta(hours=3)  # a run not heard of for this long died with its worker


class TrainingInProgress(Conflict):
    code, message = "training_in_progress", "已经有一个模型在训练，请等它结束"


class ModelNotReady(Conflict):
    code, message = "model_not_ready", "这个模型还没有训练好，不能启用"


class ModelNotLoaded(DomainError, RasaUnavailable):
    """Rasa refused the model or could not be reached: the edge says so (`rasa_unavailable`), and
    callers that catch the adapter's `RasaUnavailable` still catch it."""

    code, message = "rasa_unavailable", "对话引擎没有接受新模型，线上仍是原来的模型"


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


def prepare_workspace(files: dict[str, str], paths: LifecyclePaths, workspace: Path) -> Path:
    """A directory laid out like the repository, with the given training files."""
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "bot").mkdir(exist_ok=True)
    shutil.copyfile(paths.config or paths.repo / "bot" / "config.yml", workspace / "bot" / "config.yml")
    # bot/components: the pipeline's own NLU components (bot/config.yml), imported from
    # the workspace Rasa runs in; they read the department tables when training.
    for rel in ("bot/jieba", "bot/components", "data/rules", "data/stories"):
        source = paths.repo / rel
        if source.exists():
            shutil.copytree(source, workspace / rel, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    for rel in ("data/departments.yml", "data/triage/routing.yml"):
        if (paths.repo / rel).exists():
            (workspace / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(paths.repo / rel, workspace / rel)
    td.write_directory(workspace, files)
    return workspace


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
        if session.scalar(select(TrainingItem.id).limit(1)) is None:
            raise td.NothingLoaded()
        snapshot = td.add_snapshot(session, author, "train")
        version = ModelVersion(
            id=_new_version_id(),
            requested_by=author,
            comment=comment[:500],
            snapshot_id=snapshot.id,
            triage_digest=triage_digest(paths.triage) if paths.triage.exists() else "",
        )
        session.add(version)
        audit.record(ctx, session, actor=author, action="model.train.request", subject=version.id)
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
        audit.record(ctx, session, actor=author, action="model.register", subject=version_id)
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
    try:
        server.load(model_path)
    except RasaUnavailable as exc:  # the database still names the model Rasa keeps serving
        raise ModelNotLoaded(None, **exc.details) from exc
    with ctx.db.transaction() as session:
        session.execute(update(ModelVersion).where(ModelVersion.active.is_(True)).values(active=False))
        session.execute(
            update(ModelVersion).where(ModelVersion.id == version_id).values(active=True, activated_at=utcnow())
        )
        audit.record(
            ctx,
            session,
            actor=actor,
            action="model.activate",
            subject=version_id,
            reason=reason[:200] or None,
            detail={"previous": previous},
        )
    return get_version(ctx, version_id)
