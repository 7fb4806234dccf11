"""The floor for bench/booking_flash_crowd.py: the least a booking can cost here.

Flask under the same gunicorn settings, one raw-SQL conditional decrement and one
insert per request on the same database, in its own two tables; no
authentication, no rules, no audit. Our endpoint's throughput is printed as a
ratio of this one's, measured in the same run, so a busy machine moves both.

    gunicorn -c gunicorn.conf.py 'bench.floor_app:create_app()'   (DATABASE_URL set)
"""

from __future__ import annotations

import os
import uuid

from flask import Flask, Response, jsonify, request
from sqlalchemy import text

from db import make_engine

TABLES = [  # the same SQL on SQLite and PostgreSQL
    "CREATE TABLE IF NOT EXISTS bench_floor_slots (id TEXT PRIMARY KEY, remaining INTEGER NOT NULL "
    "CHECK (remaining >= 0))",
    "CREATE TABLE IF NOT EXISTS bench_floor_bookings (id TEXT PRIMARY KEY, patient_id TEXT, slot_id TEXT)",
]
TAKE = text("UPDATE bench_floor_slots SET remaining = remaining - 1 WHERE id = :slot AND remaining > 0")
INSERT = text("INSERT INTO bench_floor_bookings (id, patient_id, slot_id) VALUES (:id, :patient, :slot)")


def create_tables(url: str, slots: dict[str, int]) -> None:
    """(Re)fill the floor's slots with the same places as the level's real ones."""
    engine = make_engine(url)
    with engine.begin() as conn:
        for statement in TABLES:
            conn.execute(text(statement))
        conn.execute(text("DELETE FROM bench_floor_slots"))
        if slots:
            conn.execute(
                text("INSERT INTO bench_floor_slots (id, remaining) VALUES (:id, :n)"),
                [{"id": slot_id, "n": n} for slot_id, n in slots.items()],
            )
    engine.dispose()


def create_app() -> Flask:
    app = Flask(__name__)
    engine = make_engine(os.environ["DATABASE_URL"])

    @app.post("/book")
    def book() -> tuple[Response, int]:
        data = request.get_json(force=True)
        with engine.begin() as conn:
            taken = conn.execute(TAKE, {"slot": data["slot_id"]}).rowcount
            if taken != 1:
                return jsonify({"error": "sold_out"}), 409
            conn.execute(INSERT, {"id": uuid.uuid4().hex, "patient": data["patient_id"], "slot": data["slot_id"]})
        return jsonify({"ok": True}), 201

    return app
