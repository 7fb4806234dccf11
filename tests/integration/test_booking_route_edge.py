"""The booking route's edge (issue 14): no JSON request line per attempt, a summary line
per process instead (web/requestlog.py), and no Flask-Limiter before-request pass
(web/booking_limit.py), while its per-patient limit, a 5xx's own line and every other
route's line and limiter pass stay as they were."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from unittest import mock

import pytest
from flask.testing import FlaskClient
from flask_limiter import Limiter

from services.context import ServiceContext
from tests.conftest import AUTH
from tests.factories import make_department, make_doctor, make_patient, make_slot
from web import requestlog


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[Any]:
    """The request log's records (typed Any: their fields come as `extra`)."""
    return [r for r in caplog.records if r.name == "hospital.request"]


def test_booking_attempts_are_summed_up_not_logged_one_by_one(
    client: FlaskClient,
    ctx: ServiceContext,
    clinic_day: date,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=0), clinic_day)
    patient = make_patient(ctx)
    body = {"patient_id": patient, "slot_id": slot}
    with caplog.at_level(logging.INFO, logger="hospital.request"):
        assert client.post("/api/v1/appointments", json=body, headers=AUTH).status_code == 201
        assert client.post("/api/v1/appointments", json=body, headers=AUTH).status_code == 409
        assert _request_lines(caplog) == []
        monkeypatch.setattr(requestlog, "SUMMARY_EVERY_SECONDS", 0.0)
        assert client.post("/api/v1/appointments", json=body, headers=AUTH).status_code == 409
        (summary,) = _request_lines(caplog)
        assert summary.getMessage() == "requests"
        assert summary.route == "/api/v1/appointments" and summary.method == "POST"
        assert summary.requests == 3 and summary.statuses == {"201": 1, "409": 2}
        assert client.get("/healthz").status_code == 200  # every other route: a line per request
        assert [r.route for r in _request_lines(caplog)[1:]] == ["/healthz"]


def test_a_failed_booking_still_logs_its_own_line(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date, caplog: pytest.LogCaptureFixture
) -> None:
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=0), clinic_day)
    body = {"patient_id": make_patient(ctx), "slot_id": slot}
    with (
        mock.patch("services.booking.holds._book_in", side_effect=RuntimeError("boom")),
        caplog.at_level(logging.INFO, logger="hospital.request"),
    ):
        assert client.post("/api/v1/appointments", json=body, headers=AUTH).status_code == 500
    (line,) = _request_lines(caplog)
    assert line.status == 500 and line.route == "/api/v1/appointments"


def test_the_limiter_pass_skips_the_booking_route_only(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=0), clinic_day)
    body = {"patient_id": make_patient(ctx), "slot_id": slot}
    with mock.patch.object(Limiter, "_Limiter__evaluate_limits", autospec=True) as evaluate:
        assert client.post("/api/v1/appointments", json=body, headers=AUTH).status_code == 201
        assert evaluate.call_count == 0
        assert client.get("/healthz").status_code == 200
        assert evaluate.call_count == 1
