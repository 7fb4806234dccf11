"""From a patient to its accounts and their app identities by index, not by reading every
link or every WeChat/Alipay identity in the hospital (issue 14; migration 0022): the
booking's one checked read (the account cap, a free place's app channel) and the message
recipient's reads. SQLite: the plan itself, as the app runs it. PostgreSQL: with sequential
scans priced out (its empty test tables make any plan cheap), the index is the one taken,
i.e. it exists and fits the statements."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app import create_app
from services.booking import holds
from services.context import ServiceContext
from services.notifications import messages
from tests.conftest import settings_for

VALUES = {
    "slot_id": "slt_x",
    "patient_id": "pat_x",
    "phone_hash": "h",
    "channel": "wechat",
    "now": "2026-12-07 08:00:00",
}


def _statements(dialect: str) -> dict[str, Any]:
    statements = {
        "booking's checked read": holds._LOAD_SLOT_CHECKED[dialect],
        "free place's app channel": holds._APP_CHANNEL,
        "message's app channel": messages._APP_CHANNEL,
        "message's identity on a channel": messages._IDENTITY_ON,
    }
    if dialect == "postgresql":  # the lock and the checked read in one statement (EXPLAIN runs neither)
        statements["booking's lock and checked read"] = holds._LOCK_AND_LOAD
    return statements


def _expanded(statement: Any, dialect: Any) -> tuple[str, Any]:
    """The SQL and parameters as the driver gets them (an expanding IN written out)."""
    compiled = statement.compile(dialect=dialect)
    state = compiled.construct_expanded_state(compiled.construct_params(VALUES))
    if state.positiontup is None:
        return state.statement, state.parameters
    return state.statement, tuple(state.parameters[name] for name in state.positiontup)


def _sqlite_plan(ctx: ServiceContext, statement: Any) -> str:
    with ctx.db.reading() as session:
        connection = session.connection()
        sql, params = _expanded(statement, connection.dialect)
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[3]) for row in rows)


def test_sqlite_starts_from_the_patient(ctx: ServiceContext) -> None:
    assert ctx.db.is_sqlite
    for name, statement in _statements("sqlite").items():
        plan = _sqlite_plan(ctx, statement)
        assert "SCAN account_patients" not in plan, (name, plan)
        assert "SEARCH account_patients USING INDEX ix_account_patients_patient (patient_id=?)" in plan, (name, plan)
        assert "channel_identities USING INDEX sqlite_autoindex" not in plan, (name, plan)  # by channel: every one
        if "channel" in name:
            assert "SEARCH channel_identities USING INDEX ix_channel_identities_account_id" in plan, (name, plan)


@pytest.fixture
def pg_app(postgres_url: str) -> Any:
    application: Flask = create_app(settings_for(postgres_url))
    yield application
    application.extensions["hospital"].db.dispose()


def test_postgresql_reads_the_accounts_by_patient(pg_app: Flask) -> None:
    ctx: ServiceContext = pg_app.extensions["hospital"]
    with ctx.db.reading() as session:
        connection = session.connection()
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for name, statement in _statements("postgresql").items():
            sql, params = _expanded(statement, connection.dialect)
            rows = connection.exec_driver_sql("EXPLAIN " + sql, params)
            plan = "\n".join(str(row[0]) for row in rows)
            assert "ix_account_patients_patient" in plan, (name, plan)
            assert "Seq Scan on account_patients" not in plan, (name, plan)
            if "channel" in name:
                assert "ix_channel_identities_account_id" in plan, (name, plan)
