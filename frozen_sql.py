"""Hot statements compiled once per dialect and run on the DBAPI cursor (issue 14).

SQLAlchemy's `Connection.execute` costs far more than the statement itself on a booking's
hot path: for the booking's checked read on SQLite about 120 us against 45 us on the
sqlite3 cursor (docs/benchmarks.md). Per execution it hashes the statement's whole cache
key to find the compiled form (15 us for that read), builds every parameter again,
makes an execution context, fires events and wraps the cursor in a result. A
`FrozenStatement` does the compiling and the type lookups once, and per execution only
what the types require: the same bind processors (a `UTCDateTime` becomes UTC, SQLite's
datetimes strings) and result processors (SQLite's strings become aware datetimes and
dates again) as SQLAlchemy would apply. Rows are named tuples with the same names.

On PostgreSQL the SQL is also turned into psycopg's own form once (`$1`, `$2` and a parameter
order, as psycopg converts `%(name)s` itself) and run on a `psycopg.RawCursor`: a standard cursor
converts the query on every execution, and psycopg caches that conversion only for queries up to
4,096 bytes, which the booking's lock-and-read (about 5,000) is not; it was split by regular
expression on every attempt (about 6% of the booking's instructions on PostgreSQL; docs/
benchmarks.md, session 30).

What it leaves out, on purpose: engine events (`before_cursor_execute` does not see these
statements; a bench counts them through `observed`), expanding or post-compile parameters
(refused when frozen), and anything but plain column types. DBAPI errors are wrapped as
SQLAlchemy wraps them (an `IntegrityError` is `sqlalchemy.exc.IntegrityError`), and a lost
connection is invalidated as SQLAlchemy would, so the pool replaces it.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.sql.expression import ClauseElement

Processor = Callable[[Any], Any]

# Told each frozen statement's SQL as it runs, for a bench's statement count
# (bench/booking_profile.py): engine events do not see these statements. Empty in service.
_observers: list[Callable[[str], None]] = []


@contextmanager
def observed(observer: Callable[[str], None]) -> Iterator[None]:
    """Within the block, `observer` is called with the SQL of every frozen statement run."""
    _observers.append(observer)
    try:
        yield
    finally:
        _observers.remove(observer)


@dataclass(frozen=True)
class FrozenResult:
    """The rows (named tuples) and the row count of one execution."""

    rows: list[Any]
    rowcount: int

    def one_or_none(self) -> Any:
        if len(self.rows) > 1:
            raise MultipleResultsFound("more than one row where one was expected")
        return self.rows[0] if self.rows else None

    def one(self) -> Any:
        row = self.one_or_none()
        if row is None:
            raise NoResultFound("no row where one was expected")
        return row

    def scalar_one(self) -> Any:
        return self.one()[0]


@dataclass
class _Compiled:
    """A statement's SQL for one dialect, with what each execution needs and nothing more."""

    sql: str  # as SQLAlchemy compiled it (for observers and errors)
    statement: str | bytes  # what the cursor runs: `sql`, or psycopg's `$n` form (`raw`)
    raw: bool  # psycopg: run on a RawCursor, parameters in `order`
    order: tuple[str, ...] | None  # positional paramstyles: the parameters' order
    defaults: dict[str, Any]  # the statement's own literals ('held', a LIMIT)
    required: frozenset[str]
    binds: tuple[tuple[str, Processor], ...]
    results: tuple[Processor | None, ...] | None  # None: no typed columns (a text statement)
    row_types: dict[tuple[str, ...], Any] = field(default_factory=dict)

    def parameters(self, given: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        missing = self.required.difference(given)
        if missing:
            raise KeyError(f"no value for {sorted(missing)}")
        values = {**self.defaults, **{name: given[name] for name in self.required}}
        for name, process in self.binds:
            values[name] = process(values[name])
        return [values[name] for name in self.order] if self.order is not None else values

    def row_type(self, description: Sequence[Any]) -> Any:
        names = tuple(column[0] for column in description)
        found = self.row_types.get(names)
        if found is None:
            found = self.row_types[names] = namedtuple("FrozenRow", names)
        return found


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    compiled: Any = statement.compile(dialect=dialect)
    if compiled.post_compile_params or getattr(compiled, "escaped_bind_names", None):
        raise ValueError("a frozen statement takes plain bound parameters only")
    defaults, required, binds = {}, set(), []
    for name, bind in compiled.binds.items():
        if bind.required:
            required.add(name)
        else:
            defaults[name] = bind.effective_value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds.append((name, process))
    columns = list(getattr(statement, "exported_columns", ()))
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    order = tuple(compiled.positiontup) if compiled.positional else None
    sql: str = compiled.string
    runnable: str | bytes = sql
    raw = dialect.driver == "psycopg" and order is None
    if raw:
        dollar, order = dollar_parameters(sql)
        runnable = dollar.encode()  # bytes: psycopg would encode the text on every execution
    return _Compiled(sql, runnable, raw, order, defaults, frozenset(required), tuple(binds), results or None)


_PYFORMAT = re.compile(r"%\((?P<name>[^)]+)\)s|%%")


def dollar_parameters(sql: str) -> tuple[str, tuple[str, ...]]:
    """`%(name)s` placeholders as PostgreSQL's `$n` (a name used twice is one `$n`), `%%` as
    `%`, and the names in `$n` order: the query psycopg's standard cursor would send."""
    order: list[str] = []

    def number(found: re.Match[str]) -> str:
        name = found.group("name")
        if name is None:
            return "%"
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    return _PYFORMAT.sub(number, sql), tuple(order)


class FrozenStatement:
    """A Core statement (select, update/insert with RETURNING, text) run on the DBAPI cursor."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def execute(self, connection: Connection, parameters: Mapping[str, Any]) -> FrozenResult:
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        values = compiled.parameters(parameters)
        for observe in _observers:
            observe(compiled.sql)
        cursor = _raw_cursor(connection) if compiled.raw else connection.connection.cursor()
        try:
            cursor.execute(compiled.statement, values)
            description = cursor.description
            rows = cursor.fetchall() if description else []
            rowcount = cursor.rowcount
        except dialect.loaded_dbapi.Error as exc:
            _raise_wrapped(connection, compiled.sql, exc, cursor)
        finally:
            cursor.close()
        if rows:
            make = compiled.row_type(description)
            results = compiled.results
            if results is None:
                rows = [make(*row) for row in rows]
            else:
                rows = [make(*(p(v) if p else v for p, v in zip(results, row, strict=True))) for row in rows]
        return FrozenResult(list(rows), rowcount)


def _raw_cursor(connection: Connection) -> Any:
    """A psycopg cursor that sends the query as given (`$n` placeholders, a parameter list)."""
    from psycopg import RawCursor  # only where PostgreSQL is used

    return RawCursor(connection.connection.driver_connection)  # type: ignore[arg-type]


def _raise_wrapped(connection: Connection, sql: str, exc: Exception, cursor: Any) -> None:
    dialect = connection.dialect
    lost = dialect.is_disconnect(exc, connection.connection.dbapi_connection, cursor)  # type: ignore[arg-type]
    if lost:
        connection.invalidate(exc)
    raise DBAPIError.instance(
        sql,
        None,
        exc,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        dialect=dialect,
        connection_invalidated=lost,
    ) from exc
