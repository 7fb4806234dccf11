"""Teaching the bot in the background: train (validate, train, evaluate) a version."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from integrations.rasa.training_runner import SubprocessRasaRunner
from services.teaching import model_lifecycle
from tasks.context import task_context


def _paths() -> model_lifecycle.LifecyclePaths:
    """The deployment's bot project, directories and Rasa cache (RASA_PROJECT_DIR, RASA_*_DIR)."""
    return model_lifecycle.LifecyclePaths.from_settings(current_app.config["SETTINGS"])


# One run can take many minutes: never redeliver it to a second worker while the
# first is still busy (run_training ignores a version that is no longer queued).
@shared_task(name="training.train_model", acks_late=False)
def train_model(version_id: str) -> str:
    paths = _paths()
    view = model_lifecycle.run_training(task_context(), version_id, SubprocessRasaRunner(paths), paths)
    return view.status
