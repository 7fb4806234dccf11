"""Audit entries name what asked for them: the request id of the web request in hand,
or the Celery task's id, also when a helper deep inside a transaction writes the entry
(a revision of the training data, a lapsed hold freed on the way)."""

from __future__ import annotations

from celery import shared_task
from flask import Flask
from sqlalchemy import select

from models import AuditEntry
from services.context import ServiceContext
from services.teaching.training_data.state import revise
from tasks.context import task_context
from web.context import service_context


@shared_task(name="tests.audit.peek_request_id")
def _peek_request_id() -> str | None:
    return task_context("worker:test").request_id


def _entries(ctx: ServiceContext, action: str) -> list[tuple[str, str | None]]:
    with ctx.db.reading() as session:
        rows = session.execute(select(AuditEntry.actor, AuditEntry.request_id).where(AuditEntry.action == action))
        return [(actor, request_id) for actor, request_id in rows]


def test_a_web_request_id_reaches_a_helpers_entry(app: Flask, ctx: ServiceContext) -> None:
    with app.test_request_context("/console/teaching", headers={"X-Request-ID": "req-teach-0001"}):
        app.preprocess_request()  # web/requestlog.py keeps the id on g
        in_request = service_context().acting_as("staff:li")
        assert in_request.request_id == "req-teach-0001"
        with in_request.db.transaction() as session:
            revise(in_request, session, author="staff:li", comment="", action="item.edit", kind="intent", name="greet")
    assert _entries(ctx, "training.item.edit") == [("staff:li", "req-teach-0001")]


def test_acting_for_someone_else_keeps_the_request_id(ctx: ServiceContext) -> None:
    asked = ctx.acting_as("service:api", "req-0002")
    assert asked.acting_as("patient:sms").request_id == "req-0002"
    assert asked.acting_as("patient:sms", "req-0003").request_id == "req-0003"
    assert ctx.acting_as("system").request_id is None  # nothing asked: the actor says who


def test_a_task_names_its_task_id(app: Flask) -> None:
    with app.app_context():
        assert _peek_request_id.apply(task_id="5f0c1e2a-0000-4000-8000-123456789abc").get() == (
            "task:5f0c1e2a000040008000123456789abc"
        )
        assert task_context().request_id is None  # outside a task: no id to give
