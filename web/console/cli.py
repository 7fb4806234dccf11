"""`flask --app app create-admin`: the first administrator, on a fresh system."""

from __future__ import annotations

import click

from services.context import ServiceContext
from services.errors import DomainError
from services.staff import accounts as staff
from web.console import bp
from web.context import service_context


@bp.cli.command("create-admin")
@click.option("--username", prompt="用户名 (username)", help="lower-case letters, digits, _ . -")
@click.option("--display-name", prompt="显示名称 (display name)", default="管理员")
@click.password_option("--password", prompt="密码 (password)", confirmation_prompt=True)
def create_admin(username: str, display_name: str, password: str) -> None:
    """Create an administrator; prints the TOTP provisioning URI once (scan it into an authenticator)."""
    ctx: ServiceContext = service_context()
    try:
        created = staff.create_staff(
            ctx.acting_as("cli:create-admin"),
            username=username,
            display_name=display_name,
            password=password,
            roles=("admin",),
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created administrator {created.username} ({created.id})")
    click.echo("Scan this into an authenticator app now; it is not shown again:")
    click.echo(created.provisioning_uri)
