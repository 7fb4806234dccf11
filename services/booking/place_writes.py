"""A booking's writes, once its checks have passed: take the place, write the appointment,
its payment order (a paid place) or its confirmation message (a free one), and the
audit entry, in the caller's transaction.

On SQLite they are a few cheap statements in the one `BEGIN IMMEDIATE` transaction
(no network between them). On PostgreSQL each statement is a round trip and a
backend's parse and execute, so they go as one statement: the conditional decrement
and the inserts chained by data-modifying CTEs, each insert reading the row before
it, so that no place taken means nothing written (issue 14). Either way the place is
taken by the same `UPDATE … WHERE remaining > 0`, the partial unique index refuses a
second appointment for the day, and everything commits or vanishes together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, TextClause, bindparam, insert, text, update
from sqlalchemy.engine import Connection

from frozen_sql import FrozenStatement
from models import Appointment, AuditEntry, OutboxMessage, PaymentOrder, Slot
from services.errors import SoldOut


@dataclass(frozen=True)
class Rows:
    """Column values of the rows to write (`order` for a paid place, `message` for a free one)."""

    appointment: dict[str, Any]
    audit: dict[str, Any]
    order: dict[str, Any] | None = None
    message: dict[str, Any] | None = None


_TAKE_PLACE = (
    update(Slot).where(Slot.id == bindparam("slot_id"), Slot.remaining > 0).values(remaining=Slot.remaining - 1)
)

# The PostgreSQL statement's parts. Every value is cast: in INSERT … SELECT the select
# list is typed before it meets the table, and a NULL would otherwise be text.
_APPOINTMENT_COLUMNS = {
    "id": "TEXT",
    "patient_id": "TEXT",
    "slot_id": "TEXT",
    "department_id": "INTEGER",
    "doctor_id": "TEXT",
    "clinic_date": "DATE",
    "status": "TEXT",
    "fee_fen": "INTEGER",
    "channel": "TEXT",
    "hold_expires_at": "TIMESTAMPTZ",
    "created_at": "TIMESTAMPTZ",
    "confirmed_at": "TIMESTAMPTZ",
}
_ORDER_COLUMNS = {
    "out_trade_no": "TEXT",
    "kind": "TEXT",
    "appointment_id": "TEXT",
    "patient_id": "TEXT",
    "amount_fen": "INTEGER",
    "provider": "TEXT",
    "expires_at": "TIMESTAMPTZ",
    "status": "TEXT",
    "created_at": "TIMESTAMPTZ",
}
_AUDIT_COLUMNS = {
    "at": "TIMESTAMPTZ",
    "actor": "TEXT",
    "action": "TEXT",
    "patient_id": "TEXT",
    "subject": "TEXT",
    "reason": "TEXT",
    "request_id": "TEXT",
    "detail": "TEXT",
}
_MESSAGE_COLUMNS = {
    "dedupe_key": "TEXT",
    "patient_id": "TEXT",
    "channel": "TEXT",
    "kind": "TEXT",
    "recipient_enc": "TEXT",
    "recipient_hash": "TEXT",
    "body_enc": "TEXT",
    "status": "TEXT",
    "attempts": "INTEGER",
    "not_before": "TIMESTAMPTZ",
    "created_at": "TIMESTAMPTZ",
}


def _insert_from(table: str, prefix: str, columns: dict[str, str], source: str, returning: str = "") -> str:
    values = ", ".join(f"CAST(:{prefix}_{name} AS {kind})" for name, kind in columns.items())
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM {source}{returning}"


def _postgres_statement(paid: bool) -> TextClause:
    parts = [
        "taken AS (UPDATE slots SET remaining = remaining - 1 WHERE id = :slot_id AND remaining > 0 RETURNING id)",
        "apt AS (" + _insert_from("appointments", "a", _APPOINTMENT_COLUMNS, "taken", " RETURNING id") + ")",
        "aud AS (" + _insert_from("audit_log", "l", _AUDIT_COLUMNS, "apt") + ")",
    ]
    if paid:
        parts.append("ord AS (" + _insert_from("payment_orders", "o", _ORDER_COLUMNS, "apt", " RETURNING id") + ")")
        result = "SELECT (SELECT count(*) FROM apt) AS written, (SELECT id FROM ord) AS order_id"
    else:
        parts.append("msg AS (" + _insert_from("outbox_messages", "m", _MESSAGE_COLUMNS, "apt") + ")")
        result = "SELECT (SELECT count(*) FROM apt) AS written, NULL AS order_id"
    return text("WITH " + ",\n".join(parts) + "\n" + result)


_POSTGRES = {paid: FrozenStatement(_postgres_statement(paid)) for paid in (True, False)}


def _insert(model: Any, columns: dict[str, str]) -> Insert:
    """SQLite: an insert of exactly the columns the PostgreSQL statement writes (no column
    left out has a Python-side default), each typed by its column."""
    table = model.__table__
    return insert(model).values({name: bindparam(name, type_=table.c[name].type) for name in columns})


# SQLite's statements run on the DBAPI cursor, compiled once (`frozen_sql`).
_TAKE_PLACE_FROZEN = FrozenStatement(_TAKE_PLACE)
_INSERT_APPOINTMENT = FrozenStatement(_insert(Appointment, _APPOINTMENT_COLUMNS))
_INSERT_ORDER = FrozenStatement(_insert(PaymentOrder, _ORDER_COLUMNS).returning(PaymentOrder.id))
_INSERT_AUDIT = FrozenStatement(_insert(AuditEntry, _AUDIT_COLUMNS))
_INSERT_MESSAGE = FrozenStatement(_insert(OutboxMessage, _MESSAGE_COLUMNS))


def write(connection: Connection, slot_id: str, rows: Rows, free_expired: Callable[[], int]) -> int | None:
    """Take a place in the slot and write the rows; the payment order's id for a paid place.

    SoldOut when the slot has no place left, after `free_expired()` (which returns the
    places of lapsed holds on this slot) has been tried once.
    """
    writer = _write_sqlite if connection.dialect.name == "sqlite" else _write_postgres
    for attempt in range(2):
        written, order_id = writer(connection, slot_id, rows)
        if written:
            return order_id
        if attempt == 0 and not free_expired():
            break
    raise SoldOut()


def _write_sqlite(connection: Connection, slot_id: str, rows: Rows) -> tuple[bool, int | None]:
    if _TAKE_PLACE_FROZEN.execute(connection, {"slot_id": slot_id}).rowcount != 1:
        return False, None
    # The partial unique index (one per patient, department and day) speaks here.
    _INSERT_APPOINTMENT.execute(connection, rows.appointment)
    order_id = None
    if rows.order is not None:
        order_id = _INSERT_ORDER.execute(connection, rows.order).scalar_one()
    if rows.message is not None:
        _INSERT_MESSAGE.execute(connection, rows.message)
    _INSERT_AUDIT.execute(connection, rows.audit)
    return True, order_id


def _write_postgres(connection: Connection, slot_id: str, rows: Rows) -> tuple[bool, int | None]:
    params: dict[str, Any] = {"slot_id": slot_id}
    params.update({f"a_{k}": rows.appointment[k] for k in _APPOINTMENT_COLUMNS})
    params.update({f"l_{k}": rows.audit[k] for k in _AUDIT_COLUMNS})
    if rows.order is not None:
        params.update({f"o_{k}": rows.order[k] for k in _ORDER_COLUMNS})
    else:
        assert rows.message is not None, "a free place's booking carries its confirmation message"
        params.update({f"m_{k}": rows.message[k] for k in _MESSAGE_COLUMNS})
    result = _POSTGRES[rows.order is not None].execute(connection, params).one()
    return bool(result.written), result.order_id
