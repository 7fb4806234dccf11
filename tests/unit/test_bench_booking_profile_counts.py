"""bench/booking_profile.py counts the frozen statements too: the booking's hot statements run on
the DBAPI cursor (frozen_sql), which SQLAlchemy's `before_cursor_execute` never sees, so a count
from the engine event alone showed a SQLite booking as 2.8 statements and a PostgreSQL one as
0.04 (docs/benchmarks.md, session 28)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Column, Integer, MetaData, Table, bindparam, create_engine, insert, select

import frozen_sql
from bench.booking_profile import counted_statements

_slots = Table("slots", MetaData(), Column("id", Integer, primary_key=True), Column("remaining", Integer))


def test_frozen_and_engine_statements_are_both_counted_and_only_within_the_block() -> None:
    engine = create_engine("sqlite://")
    _slots.metadata.create_all(engine)
    frozen = frozen_sql.FrozenStatement(select(_slots.c.remaining).where(_slots.c.id == bindparam("slot_id")))
    statements: Counter[str] = Counter()
    with engine.begin() as connection:
        with counted_statements(engine, statements):
            connection.execute(insert(_slots).values(id=1, remaining=3))
            assert frozen.execute(connection, {"slot_id": 1}).scalar_one() == 3
            assert frozen.execute(connection, {"slot_id": 1}).scalar_one() == 3
        frozen.execute(connection, {"slot_id": 1})
        connection.execute(select(_slots.c.id))
    assert statements == Counter({"SELECT slots": 2, "INSERT slots": 1})


def test_an_observer_is_told_the_sql_and_removed_even_after_an_error() -> None:
    engine = create_engine("sqlite://")
    frozen = frozen_sql.FrozenStatement(select(bindparam("n", type_=Integer)))
    seen: list[str] = []
    with engine.connect() as connection:
        try:
            with frozen_sql.observed(seen.append):
                frozen.execute(connection, {"n": 1})
                raise RuntimeError("the block fails")
        except RuntimeError:
            pass
        frozen.execute(connection, {"n": 2})
    assert seen == ["SELECT ? AS anon_1"]
