"""`flask --app app training import|export|validate|train|status|versions|activate`.

The same use cases as the console's teaching pages, for people who work in a
terminal and for `make`: import the YAML in data/ into the database, export
the database back to data/, validate with Rasa, train (in the Celery worker,
or here with --here), show progress, and activate a version (or an older one
to roll back) on the running Rasa server.
"""

from __future__ import annotations

import json
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from config import ROOT
from integrations.rasa.fleet import model_server_for
from integrations.rasa.training_runner import SubprocessRasaRunner
from services.context import ServiceContext
from services.errors import DomainError
from services.teaching import model_lifecycle as ml
from services.teaching import training_data as td
from web.context import service_context

TRAIN_TASK = "training.train_model"


def enqueue_training(app: Flask, version_id: str) -> None:
    """Hand a queued version to the worker through the context's task queue."""
    ctx: ServiceContext = app.extensions["hospital"]
    ctx.tasks.send(TRAIN_TASK, version_id)


def _fail(exc: DomainError) -> None:
    raise click.ClickException(f"{exc.message} {exc.details or ''}".strip())


def init_app(app: Flask) -> None:
    group = AppGroup("training", help="Teach the bot: training data, models, activation.")

    @group.command("import")
    @click.option("--author", default="cli", show_default=True)
    @click.option("--force", is_flag=True, help="Drop edits that were never exported or trained.")
    def import_(author: str, force: bool) -> None:
        """Read data/nlu/ and the domain's responses into the database."""
        try:
            summary = td.import_directory(service_context(), ROOT, author=author, force=force)
        except DomainError as exc:
            _fail(exc)
        click.echo(
            f"imported {summary.items} items ({summary.examples} examples, {summary.responses} responses) "
            f"from {summary.files} files"
        )

    @group.command("export")
    @click.option("--author", default="cli", show_default=True)
    @click.option("--to", "target", type=click.Path(file_okay=False), help="Another directory (default: the repo).")
    def export(author: str, target: str | None) -> None:
        """Write the database's training data to data/nlu/ and bot/domain.yml."""
        from pathlib import Path

        files = td.export_directory(
            service_context(), Path(target) if target else ROOT, author=author, record=target is None
        )
        click.echo(f"wrote {len(files)} files")

    @group.command("diff")
    def diff() -> None:
        """Pending changes since the last export or training run, as a unified diff."""
        click.echo(td.pending_diff(service_context()) or "no pending changes")

    @group.command("validate")
    def validate() -> None:
        """`rasa data validate` on the current data (an exported scratch copy)."""
        paths = ml.LifecyclePaths.from_settings(current_app.config["SETTINGS"])
        ok, output = ml.validate_current(service_context(), SubprocessRasaRunner(paths), paths)
        click.echo(output)
        if not ok:
            raise click.ClickException("validation failed")

    @group.command("train")
    @click.option("--author", default="cli", show_default=True)
    @click.option("--comment", default="")
    @click.option("--here", is_flag=True, help="Train in this process instead of the Celery worker.")
    def train(author: str, comment: str, here: bool) -> None:
        """Queue a training run of the current data (validate, train, evaluate)."""
        ctx = service_context()
        try:
            version = ml.request_training(ctx, author=author, comment=comment)
        except DomainError as exc:
            _fail(exc)
        if here:
            paths = ml.LifecyclePaths.from_settings(current_app.config["SETTINGS"])
            view = ml.run_training(ctx, version, SubprocessRasaRunner(paths), paths)
            click.echo(f"{version}: {view.status} {view.error or ''}".strip())
            if view.evaluation:
                click.echo(json.dumps(_headline(view.evaluation), ensure_ascii=False, indent=1))
            if view.status != "ready":
                raise click.ClickException(view.log_tail[-3000:])
            return
        enqueue_training(current_app._get_current_object(), version)  # type: ignore[attr-defined]
        click.echo(f"{version}: queued (follow with `flask --app app training status {version} --follow`)")

    @group.command("status")
    @click.argument("version")
    @click.option("--follow", is_flag=True, help="Poll until the run is ready or failed.")
    def status(version: str, follow: bool) -> None:
        """Progress of a training run."""
        ctx = service_context()
        while True:
            view = ml.get_version(ctx, version)
            click.echo(f"{view.id}: {view.status}")
            if not follow or view.status in ("ready", "failed"):
                break
            time.sleep(5)
        if view.error:
            click.echo(view.error)
        if view.evaluation:
            click.echo(json.dumps(_headline(view.evaluation), ensure_ascii=False, indent=1))

    @group.command("versions")
    def versions() -> None:
        """Every model version, newest first; * marks the active one."""
        for view in ml.list_versions(service_context()):
            mark = "*" if view.active else " "
            click.echo(f"{mark} {view.id}  {view.status:<10}  {view.requested_by}  {view.comment}")

    @group.command("activate")
    @click.argument("version")
    @click.option("--author", default="cli", show_default=True)
    @click.option("--reason", default="")
    def activate(version: str, author: str, reason: str) -> None:
        """Load VERSION on the running Rasa server (an older one rolls back)."""
        ctx = service_context()
        try:
            ml.activate(
                ctx,
                version,
                model_server_for(
                    ctx.settings.rasa_url, ctx.settings.rasa_auth_token or None, pulled=ctx.settings.rasa_model_pull
                ),
                actor=author,
                reason=reason,
            )
        except DomainError as exc:
            _fail(exc)
        click.echo(f"{version} is active on {ctx.settings.rasa_url}")

    app.cli.add_command(group)


def _headline(evaluation: dict[str, object]) -> dict[str, object]:
    def pick(scores: object) -> object:
        if not isinstance(scores, dict):
            return None
        keys = ("intent_macro_f1", "department_accuracy", "faq_topic_accuracy")
        return {k: scores.get(k) for k in keys}

    return {
        "candidate": pick(evaluation.get("candidate")),
        "active": pick(evaluation.get("active")),
        "confusions_changed": evaluation.get("confusions_changed"),
        "triage": evaluation.get("triage"),
    }
