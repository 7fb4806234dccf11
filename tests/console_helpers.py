"""Staff accounts and logged-in console clients for the console tests."""

from __future__ import annotations

import re

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from models import AuditEntry
from services.context import ServiceContext
from services.staff import accounts as staff

PASSWORD = "Correct-Horse-42!"


def make_staff(ctx: ServiceContext, username: str, *roles: str) -> str:
    """Create a staff member; returns their TOTP secret."""
    return staff.create_staff(
        ctx, username=username, display_name=username.title(), password=PASSWORD, roles=roles
    ).totp_secret


def csrf_token(client: FlaskClient) -> str:
    page = client.get("/console/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def login(
    client: FlaskClient, username: str, secret: str | None, password: str = PASSWORD, code: str | None = None
) -> TestResponse:
    token = csrf_token(client)
    if code is None:
        code = pyotp.TOTP(secret).now() if secret else "123456"
    return client.post(
        "/console/login",
        data={"csrf_token": token, "username": username, "password": password, "code": code},
    )


def post(client: FlaskClient, path: str, **data: str) -> TestResponse:
    with client.session_transaction() as session:
        token = session.get("csrf_token", "")
    return client.post(path, data={"csrf_token": token, **data})


def audit_actions(ctx: ServiceContext) -> list[AuditEntry]:
    with ctx.db.reading() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all())
