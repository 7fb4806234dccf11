"""Engine, sessions and the unit of work.

SQLite (the embedded default) and PostgreSQL run the same code. On SQLite a
writing transaction starts with `BEGIN IMMEDIATE`, so two writers queue for the
lock instead of both reading and then failing to upgrade; readers use a
deferred `BEGIN` and never block. WAL mode lets readers run beside a writer.

SQLite makes a blocked writer sleep and poll with growing back-off, which under
a flash crowd turns into multi-second tails. So writers first pass a gate: a
lock for the threads of this process and an `flock` on a file beside the
database for the processes, both of which queue waiters in the kernel and wake
the next one the moment the writer commits.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import Executable

DEFAULT_CONNECT_TIMEOUT_SECONDS = 5
# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out.
PING_WHEN_IDLE_SECONDS = 1.0
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0  # without a statement timeout (migrations, scripts)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Straight to the driver: `exec_driver_sql` would build an execution context and a
        # result for a statement that returns nothing (about 20 us of every transaction, a
        # booking's included). Its errors are wrapped as SQLAlchemy wraps them, so a busy or
        # lost database reaches the web edge as the same OperationalError.
        statement = f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'IMMEDIATE')}"
        try:
            conn.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
        except sqlite3.Error as exc:
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling for connections that sat idle, not for every checkout.

    `pool_pre_ping` costs a round trip (and a backend's parse and execute) per checkout, that
    is per request: at the 08:00 peak a connection comes back to the pool and goes out again
    within milliseconds, and one used that recently is not worth a ping (issue 14). A
    connection idle for `idle_seconds` or more (a quiet night, a restarted server) is pinged
    as before; a dead one is replaced before the request sees it. A server lost within the
    last second costs the request that meets it a 503 (web/database_errors.py), and
    SQLAlchemy then invalidates the whole pool, so the next requests connect afresh."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")  # None: a connection made just now
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError() from exc  # the pool replaces it and checks out again
        if not alive:
            raise DisconnectionError()


def postgres_url(url: str) -> str:
    """SQLAlchemy's spelling of a libpq URL: the psycopg driver, and a multi-host list
    (`host1:5432,host2:5432`, how a client finds the primary of a failover pair with
    `target_session_attrs=read-write`) as repeated `host=` parameters, which libpq
    tries in order."""
    parts = urlsplit("postgresql+psycopg://" + url.split("://", 1)[1])
    credentials, _, hosts = parts.netloc.rpartition("@")
    if "," not in hosts:
        return urlunsplit(parts)
    query = [("host", host) for host in hosts.split(",")] + parse_qsl(parts.query)
    netloc = f"{credentials}@" if credentials else ""
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), parts.fragment))


def make_engine(
    url: str,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_SECONDS,
    statement_timeout: float | None = None,
    **kwargs: Any,
) -> Engine:
    """The engine, with bounded waits: a database that is gone or stuck must cost a request
    seconds, not gunicorn's 30-second kill (the web edge turns the error into a 503 with
    Retry-After, web/database_errors.py). PostgreSQL: libpq's `connect_timeout` (per host
    tried) and a server-side `statement_timeout`; SQLite: the busy timeout, how long a
    statement waits for another writer's lock. No statement timeout (None) is for migrations
    and scripts, which may rightly run long."""
    if url.startswith("sqlite"):
        busy = statement_timeout or SQLITE_BUSY_TIMEOUT_SECONDS
        engine = create_engine(url, connect_args={"timeout": busy}, hide_parameters=True, **kwargs)
        _configure_sqlite(engine, int(busy * 1000))
        return engine
    if url.startswith("postgresql://"):
        url = postgres_url(url)
    connect_args: dict[str, Any] = {"connect_timeout": max(2, round(connect_timeout))}  # libpq: whole seconds, >= 2
    if statement_timeout:
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout * 1000)}"
    # hide_parameters: a failed statement's error (and so the logs) never carries the bound
    # values, which are encrypted fields, blind indexes or worse.
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        hide_parameters=True,
        connect_args={**connect_args, **kwargs.pop("connect_args", {})},
        **kwargs,
    )
    _ping_when_idle(engine, PING_WHEN_IDLE_SECONDS)
    return engine


class SqliteWriteGate:
    """One writer at a time across threads and processes, woken in turn."""

    def __init__(self, database_path: str) -> None:
        self._path = database_path + ".writelock"
        self._reset()

    def _reset(self) -> None:
        """Fresh lock, depth and file for this process. A forked child must not
        reuse its parent's: the inherited lock may be held by a thread that does
        not exist in the child, and `flock` on an inherited file description is
        shared with the parent, so it would not exclude it."""
        self._pid = os.getpid()
        self._threads = threading.RLock()
        self._local = threading.local()
        self._fd: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        if self._pid != os.getpid():
            self._reset()
        with self._threads:
            depth = getattr(self._local, "depth", 0)
            self._local.depth = depth + 1
            try:
                if depth == 0:
                    fcntl.flock(self._file(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    if depth == 0:
                        fcntl.flock(self._file(), fcntl.LOCK_UN)
            finally:
                self._local.depth = depth

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd


class ConnectionUnit:
    """A writing transaction on a plain Core `Connection`, for a hot path (the booking, issue 14).

    An ORM `Session` costs its own begin, commit and close and a lookup of its connection
    on every `session.connection()`: about a tenth of a booking's CPU on SQLite. The hot
    path runs its statements on `connection`; a rare branch that needs the ORM (expiring a
    lapsed hold, which writes its audit entry through `session.add`) asks for `session`,
    made on first use over the same connection and transaction, and flushed before the
    commit, so its rows commit or vanish with the rest."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            # Joins the connection's transaction: its commit and close leave it to the unit.
            self._session = Session(bind=self.connection, expire_on_commit=False)
        return self._session

    def flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


class Database:
    """Owns the engine; hands out units of work."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        # Readers: SQLite's deferred BEGIN; PostgreSQL's `BEGIN READ ONLY` (psycopg writes it
        # in the same BEGIN, no extra round trip), so a reading block's COMMIT can never keep
        # a write made by mistake: the server refuses the write itself.
        reader_options = {"sqlite_begin": "DEFERRED"} if self.is_sqlite else {"postgresql_readonly": True}
        reader_engine = self.engine.execution_options(**reader_options)
        self._reader = sessionmaker(reader_engine, expire_on_commit=False)
        database_path = self.engine.url.database if self.is_sqlite else None
        self._gate = SqliteWriteGate(database_path) if database_path and database_path != ":memory:" else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A writing unit of work: commits when the block ends, rolls back on error."""
        gate: AbstractContextManager[None] = self._gate.held() if self._gate else nullcontext()
        with gate, self._writer() as session, session.begin():
            yield session

    @contextmanager
    def connection_transaction(self, *, commit_on: tuple[type[BaseException], ...] = ()) -> Iterator[ConnectionUnit]:
        """`transaction` on a plain connection (`ConnectionUnit`): the same gate, the same
        `BEGIN IMMEDIATE` on SQLite (the engine's begin event), commits when the block ends,
        rolls back on error.

        `commit_on`: errors that end the transaction with COMMIT before they propagate, for a
        hot path whose refusals leave nothing that must be undone (a refused booking: only the
        patient's lock counter). psycopg 3 discards every prepared statement of the connection
        on ROLLBACK (`DEALLOCATE ALL`, and its counts start again), so on PostgreSQL each
        rolled-back refusal made the next five runs of every hot statement parse and plan
        afresh (issue 14)."""
        gate: AbstractContextManager[None] = self._gate.held() if self._gate else nullcontext()
        with gate, self.engine.connect() as connection, connection.begin() as transaction:
            unit = ConnectionUnit(connection)
            try:
                yield unit
                unit.flush()
            except commit_on:
                unit.flush()  # the rare ORM branch's rows (lapsed holds expired) are kept too
                transaction.commit()
                raise
            finally:
                unit.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work: sees one consistent snapshot, never writes.

        It ends with COMMIT, not ROLLBACK, also when the block raises an error of its own (a
        NotFound): psycopg 3 discards every prepared statement of the connection on ROLLBACK
        (`DEALLOCATE ALL`), so on PostgreSQL each read request (slot listings, an idempotent
        replay, the console) made the next booking on that connection parse and plan its hot
        statements afresh (issue 14). Nothing is written either way. It still rolls back
        after a database error (the transaction may be aborted or the connection lost) and
        when the session holds ORM changes, which a COMMIT would flush: a reading block that
        changed a loaded object keeps nothing, as before."""
        with self._reader() as session:
            try:
                yield session
            except SQLAlchemyError:
                raise
            except Exception:
                if _only_read(session):
                    with suppress(SQLAlchemyError):  # the block's own error is the one to report
                        session.commit()
                raise
            if _only_read(session):
                session.commit()

    def dispose(self) -> None:
        self.engine.dispose()


def _only_read(session: Session) -> bool:
    """A reading session whose transaction may end with COMMIT: it began one and holds no
    ORM changes (a COMMIT would flush them)."""
    return session.in_transaction() and not (session.new or session.dirty or session.deleted)


def connection_of(executor: Session | Connection) -> Connection:
    """The connection under a session, or the connection itself: for a helper that runs plain
    Core statements and is called from both kinds of unit of work."""
    return executor if isinstance(executor, Connection) else executor.connection()


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE/DELETE and say how many rows it changed: the heart of every
    "only if still in the state I expect" step in the services."""
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount
