"""`flask --app app rotate-keys [--check] [--batch-size N] [--max-batches N]`.

Re-seals every encrypted column under the current DATA_ENCRYPTION_KEY
(services/key_rotation.py); the procedure around it is in docs/security.md,
"Key versions". Exit status 0 means nothing is left under an old key, so the
old key may be removed from DATA_ENCRYPTION_OLD_KEYS; 1 means run it again (or
look at the rows it names).
"""

from __future__ import annotations

import click
from flask import Flask

from services import key_rotation
from services.context import ServiceContext
from web.context import service_context


def init_app(app: Flask) -> None:
    @app.cli.command("rotate-keys")
    @click.option("--check", is_flag=True, help="Only count the tokens still under an old key.")
    @click.option("--batch-size", default=key_rotation.DEFAULT_BATCH, type=click.IntRange(1, 100_000))
    @click.option("--max-batches", default=None, type=click.IntRange(1), help="Stop after this many (resume later).")
    def rotate_keys(check: bool, batch_size: int, max_batches: int | None) -> None:
        """Re-encrypt every encrypted column under the current key, in audited batches."""
        ctx: ServiceContext = service_context().acting_as("cli:rotate-keys")
        click.echo(f"current key version {ctx.cipher.current_version}; configured {', '.join(ctx.cipher.versions)}")
        if check:
            left = key_rotation.pending(ctx)
            for name, count in left.items():
                click.echo(f"{name}: {count} under an old key")
            raise SystemExit(1 if any(left.values()) else 0)
        report = key_rotation.rotate(ctx, batch_size=batch_size, max_batches=max_batches)
        for column in report.columns:
            line = f"{column.column}: {column.rewritten} re-encrypted, {column.remaining} left"
            if column.failed:
                line += f", {len(column.failed)} unreadable (ids: {', '.join(column.failed[:10])})"
            click.echo(line)
        click.echo("done: old keys may be retired" if report.complete else "not done: run rotate-keys again")
        raise SystemExit(0 if report.complete else 1)
