"""`flask --app app db-upgrade | seed | expire-holds` (and rotate-keys, web/keys_cli.py)."""

from __future__ import annotations

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app

from config import ROOT, Settings
from services.context import ServiceContext
from web.context import service_context


def alembic_config(database_url: str, settings: Settings | None = None) -> Config:
    """`settings` give the data migrations the application's keys (0015 seals stored rows)."""
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    if settings is not None:
        config.attributes["settings"] = settings
    return config


def init_app(app: Flask) -> None:
    from web import keys_cli
    from web.console import training_cli

    training_cli.init_app(app)
    keys_cli.init_app(app)

    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Apply every Alembic migration."""
        settings = current_app.config["SETTINGS"]
        command.upgrade(alembic_config(settings.database_url, settings), "head")

    @app.cli.command("seed")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the hospital already has departments.")
    def seed(if_empty: bool) -> None:
        """Create the demo hospital: departments, doctors, 14 days of slots, demo patients."""
        from services import seed as seeding

        ctx: ServiceContext = service_context()
        summary = seeding.seed_demo_hospital(ctx, only_if_empty=if_empty)
        click.echo(summary)

    @app.cli.command("expire-holds")
    def expire_holds() -> None:
        from services.booking import transitions

        click.echo(f"expired {transitions.expire_holds(current_app.extensions['hospital'])} holds")
