"""A failed statement's error never carries the values bound to it (issue 11, item 8): the
error text reaches logs and error trackers, and the values are ID numbers, phones, sealed
fields or blind indexes. `db.make_engine` sets SQLAlchemy's hide_parameters on SQLite and
PostgreSQL; without it the message below ends with the phone number."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db import make_engine

PHONE = "13812345678"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    return database_url if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


def test_a_failed_statement_does_not_show_its_values(url: str) -> None:
    engine = make_engine(url)
    try:
        with pytest.raises(DBAPIError) as failed, engine.begin() as conn:
            conn.execute(text("INSERT INTO no_such_table (phone) VALUES (:phone)"), {"phone": PHONE})
    finally:
        engine.dispose()
    said = str(failed.value)
    assert "no_such_table" in said  # the statement is still there to debug with
    assert PHONE not in said and "parameters hidden" in said
