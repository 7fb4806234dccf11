"""Audit entries name what asked for them: the request id of the web request in hand,
or the Celery task's id, also when a helper deep inside a transaction writes the entry
(a revision of the training data, a lapsed hold freed on the way)."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from models import Appointment, AuditEntry, utcnow
from services.booking import holds
from services.context import ServiceContext
from services.teaching.training_data.state import revise
from tasks import maintenance
from tasks.context import task_context
from tests.conftest import AUTH
from tests.factories import make_department, make_doctor, make_patient, make_slot
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


def _lapsed_hold(ctx: ServiceContext, clinic_day: date) -> str:
    """A slot with one place, held by a patient whose time to pay has run out."""
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3000), clinic_day, capacity=1)
    held = holds.book(ctx, patient_id=make_patient(ctx, phone="13900000001"), slot_id=slot).appointment
    lapsed = utcnow() - timedelta(minutes=1)
    with ctx.db.transaction() as session:
        session.execute(update(Appointment).where(Appointment.id == held["id"]).values(hold_expires_at=lapsed))
    return slot


def test_a_lapsed_hold_freed_by_a_booking_names_that_request(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    slot = _lapsed_hold(ctx, clinic_day)
    answer = client.post(
        "/api/v1/appointments",
        json={"patient_id": make_patient(ctx, phone="13900000002"), "slot_id": slot},
        headers={**AUTH, "X-Request-ID": "req-book-0001"},
    )
    assert answer.status_code == 201
    assert _entries(ctx, "appointment.expire") == [("system", "req-book-0001")]


def test_a_lapsed_hold_expired_by_the_task_names_the_task(app: Flask, ctx: ServiceContext, clinic_day: date) -> None:
    _lapsed_hold(ctx, clinic_day)
    with app.app_context():
        assert maintenance.expire_holds.apply(task_id="0d9c-77").get() == 1
    assert _entries(ctx, "appointment.expire") == [("system", "task:0d9c77")]
