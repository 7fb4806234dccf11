"""The hold caps' counts start from the patient, not from every open hold in the hospital
(services/booking/hold_caps.py, issue 14): on SQLite the plan of the counts, alone and
inside the booking's one read, never walks the (status, hold_expires_at) index."""

from __future__ import annotations

from sqlalchemy import text

from services.booking import hold_caps, holds
from services.context import ServiceContext


def _plan(ctx: ServiceContext, statement: object) -> str:
    with ctx.db.reading() as session:
        connection = session.connection()
        compiled = statement.compile(dialect=connection.dialect)  # type: ignore[attr-defined]
        values = {"slot_id": "slt_x", "patient_id": "pat_x", "phone_hash": "h", "now": "2026-12-07 08:00:00"}
        params = compiled.construct_params(values)
        rows = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), tuple(params[name] for name in compiled.positiontup)
        )
        return "\n".join(str(row[3]) for row in rows)


def test_the_caps_counts_start_from_the_patient(ctx: ServiceContext) -> None:
    assert ctx.db.is_sqlite
    for statement in (hold_caps._COUNTS, holds._LOAD_SLOT_CHECKED["sqlite"]):
        plan = _plan(ctx, statement)
        assert "ix_appointments_status_hold" not in plan, plan
        assert "SEARCH patients USING INDEX ix_patients_phone_hash" in plan, plan


def test_the_counts_still_count_only_open_holds(ctx: ServiceContext) -> None:
    """`status || ''` compares as the status does (the behaviour itself: test_hold_caps.py)."""
    with ctx.db.reading() as session:
        assert session.scalar(text("SELECT 'held' || '' = 'held'")) == 1
