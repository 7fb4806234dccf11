"""A deliberately naive booking: check, then write, in separate steps.

It exists only to prove that the harness catches an oversell. It reads the
remaining count, "creates the payment order" (a short wait, as a real network
call would take) and then writes back what it read minus one.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from db import Database
from models import new_id, utcnow
from tests.concurrency.harness import Attempt


class NaiveBookingClient:
    def __init__(self, database: Database) -> None:
        self.db = database

    def book(self, patient_id: str, slot_id: str) -> Attempt:
        with self.db.reading() as session:
            slot = session.execute(
                text("SELECT remaining, department_id, doctor_id, clinic_date, fee_fen FROM slots WHERE id = :id"),
                {"id": slot_id},
            ).one()
        if slot.remaining <= 0:
            return Attempt("book", patient_id, slot_id, "refused", "sold_out")
        time.sleep(0.003)  # the payment platform answers while others read the same count
        appointment_id = new_id("apt")
        try:
            self._write(patient_id, slot_id, slot, appointment_id)
        except IntegrityError:
            return Attempt("book", patient_id, slot_id, "refused", "duplicate")
        return Attempt("book", patient_id, slot_id, "ok", appointment_id=appointment_id)

    def _write(self, patient_id: str, slot_id: str, slot: Any, appointment_id: str) -> None:
        with self.db.transaction() as session:
            session.execute(
                text("UPDATE slots SET remaining = :r WHERE id = :id"), {"r": slot.remaining - 1, "id": slot_id}
            )
            session.execute(
                text(
                    "INSERT INTO appointments (id, patient_id, slot_id, department_id, doctor_id, clinic_date, status,"
                    " fee_fen, channel, created_at) VALUES (:id, :p, :s, :d, :doc, :day, 'held', :fee, 'api', :now)"
                ),
                {
                    "id": appointment_id,
                    "p": patient_id,
                    "s": slot_id,
                    "d": slot.department_id,
                    "doc": slot.doctor_id,
                    "day": slot.clinic_date,
                    "fee": slot.fee_fen,
                    "now": utcnow(),
                },
            )
