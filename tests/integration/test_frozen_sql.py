"""`frozen_sql.FrozenStatement` gives what SQLAlchemy's `Connection.execute` gives - the same
names, values and types (aware datetimes, dates) - for the booking's hot statements on
SQLite and PostgreSQL, and raises SQLAlchemy's own errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app import build_context
from frozen_sql import FrozenStatement
from models import utcnow
from services.booking import holds
from services.context import ServiceContext
from tests.conftest import settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_ctx(request: pytest.FixtureRequest, database_url: str) -> Iterator[ServiceContext]:
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    context = build_context(settings_for(url))
    yield context
    context.db.dispose()


@pytest.mark.parametrize("fee_fen", [0, 2500])
def test_the_checked_read_matches_sqlalchemys(any_ctx: ServiceContext, clinic_day: date, fee_fen: int) -> None:
    ctx = any_ctx
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=fee_fen), clinic_day)
    patient = make_patient(ctx)
    holds.book(ctx, patient_id=patient, slot_id=slot)
    with ctx.db.engine.connect() as connection:
        dialect = connection.dialect.name
        params = {"slot_id": slot, "patient_id": patient, "phone_hash": "none", "now": utcnow()}
        expected = connection.execute(holds._LOAD_SLOT_CHECKED[dialect], params).one()._asdict()
        got = holds._FROZEN_CHECKED[dialect].execute(connection, params).one()._asdict()
        assert got == expected
        assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}
        assert isinstance(got["start_at"], datetime) and got["start_at"].tzinfo is not None
        assert isinstance(got["clinic_date"], date)
        connection.rollback()


def test_the_patients_lock_matches_sqlalchemys(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    patient = make_patient(ctx)
    with ctx.db.engine.connect() as connection:
        expected = connection.execute(holds._LOCK_PATIENT, {"patient_id": patient}).one()._asdict()
        result = holds._FROZEN_LOCK_PATIENT.execute(connection, {"patient_id": patient})
        assert result.rowcount == 1
        assert result.one()._asdict() == expected
        assert holds._FROZEN_LOCK_PATIENT.execute(connection, {"patient_id": "pat_none"}).one_or_none() is None
        connection.rollback()


def test_errors_are_sqlalchemys(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    department = make_department(ctx)
    duplicate = FrozenStatement(
        text("INSERT INTO departments (id, code, name, location) VALUES (:id, 'copy', '复制', '')")
    )
    with pytest.raises(IntegrityError), ctx.db.engine.begin() as connection:
        duplicate.execute(connection, {"id": department})
    with pytest.raises(KeyError), ctx.db.engine.begin() as connection:
        duplicate.execute(connection, {})


def test_psycopgs_query_is_the_one_psycopg_would_send() -> None:
    """On PostgreSQL a frozen statement runs on a RawCursor with its `$n` form made once
    (`frozen_sql.dollar_parameters`); that form and the parameter order are what psycopg's
    standard cursor makes of the same SQL on every execution."""
    pytest.importorskip("psycopg")
    from psycopg import _queries
    from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

    from frozen_sql import _compile, dollar_parameters
    from services.booking import place_writes

    dialect = pg_psycopg.dialect()
    statements = [
        holds._FROZEN_LOCK_AND_LOAD,
        holds._FROZEN_CHECKED["postgresql"],
        holds._FROZEN_LOCK_PATIENT,
        holds._LAPSED_HOLD,
        *place_writes._POSTGRES.values(),
    ]
    for frozen in statements:
        sql = frozen.statement.compile(dialect=dialect).string
        query, _formats, order, _parts = _queries._query2pg_nocache(sql.encode(), "utf-8")
        dollar, names = dollar_parameters(sql)
        assert dollar.encode() == query and list(names) == order
        compiled = _compile(frozen.statement, dialect)
        assert compiled.raw and compiled.statement == query and list(compiled.order or ()) == order
    assert dollar_parameters("SELECT %(a)s %% 2, %(b)s, %(a)s") == ("SELECT $1 % 2, $2, $1", ("a", "b"))
