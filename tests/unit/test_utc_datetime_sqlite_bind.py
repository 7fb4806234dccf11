"""`UTCDateTime` binds on SQLite the very text SQLAlchemy's DATETIME stores (its fast path,
`isoformat` in place of a `%`-format over a dict), and refuses a naive datetime as before."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from models.base import UTCDateTime


def _sqlalchemys(value: datetime) -> str:
    dialect = sqlite.dialect()
    column = UTCDateTime()
    impl = column.impl.dialect_impl(dialect).bind_processor(dialect)
    assert impl is not None
    return impl(column.process_bind_param(value, dialect))


def test_the_text_is_sqlalchemys_for_any_time_and_zone() -> None:
    dialect = sqlite.dialect()
    fast = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert fast is not None
    rng = random.Random(30)
    values = [
        datetime(2026, 12, 8, 3, 4, 5, tzinfo=UTC),  # no microseconds: still six zeros
        datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),  # a year of three digits
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ]
    values += [
        datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.uniform(0, 2e9), microseconds=rng.randint(0, 999999))
        for _ in range(500)
    ]
    for value in values:
        assert fast(value) == _sqlalchemys(value)
    assert fast(None) is None
    with pytest.raises(ValueError):
        fast(datetime(2026, 12, 8, 3, 4, 5))


def test_other_dialects_bind_as_before() -> None:
    dialect = postgresql.dialect()
    value = datetime(2026, 12, 8, 11, 0, tzinfo=timezone(timedelta(hours=8)))
    processor = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    bound = processor(value) if processor else UTCDateTime().process_bind_param(value, dialect)
    assert bound == value and bound.tzinfo == UTC
