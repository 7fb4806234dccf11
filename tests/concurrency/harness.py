"""A Jepsen-style harness for booking: run concurrent attempts, record every
outcome (ok / refused / unknown), then check invariants over the whole history
and the final database state.

The harness knows nothing of how booking is implemented: a `BookingClient`
turns (patient, slot) into an `Attempt`, so the same checker judges the real
server over HTTP and the deliberately naive implementation in `naive.py`.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Protocol

import requests
from sqlalchemy import bindparam, create_engine, text

from services.booking.calendar import iso_week_bounds
from services.context import ServiceContext
from tests.factories import make_department, make_doctor, make_patient, make_slot

OCCUPYING = ("held", "confirmed", "checked_in", "completed")
PLACE_TAKING = (*OCCUPYING, "no_show")
ACTIVE = ("held", "confirmed")


@dataclass(frozen=True)
class Attempt:
    op: str  # book | cancel | pay
    patient_id: str
    slot_id: str
    outcome: str  # ok | refused | unknown
    code: str = ""
    appointment_id: str | None = None


class BookingClient(Protocol):
    def book(self, patient_id: str, slot_id: str) -> Attempt: ...


@dataclass
class Scenario:
    """Patients, slots and the attempt plan of one seed."""

    seed: int
    patients: list[str]
    slots: dict[str, int]  # slot id -> capacity
    plan: list[tuple[str, str]] = field(default_factory=list)


def build_scenario(ctx: ServiceContext, seed: int, start: date, patients: int = 40, attempts: int = 160) -> Scenario:
    """Two departments over two days of one week, small capacities, many patients:
    enough contention to oversell, enough variety to break the weekly quota."""
    rng = random.Random(seed)
    slots: dict[str, int] = {}
    monday = start - timedelta(days=start.weekday()) + timedelta(days=7)
    for n in range(2):
        department = make_department(ctx, f"d{seed}_{n}", f"科室{seed}-{n}")
        doctor = make_doctor(ctx, department, fee_fen=rng.choice([0, 1500]))
        for day in (monday, monday + timedelta(days=2)):
            for hour in (9, 10):
                slots[make_slot(ctx, doctor, day, capacity=rng.randint(1, 4), at=time(hour, 0))] = 0
    with ctx.db.reading() as session:
        for slot_id in slots:
            slots[slot_id] = session.execute(
                text("SELECT capacity FROM slots WHERE id = :id"), {"id": slot_id}
            ).scalar_one()
    people = [make_patient(ctx, name=f"患者{i:03d}", phone=f"139{seed % 100:02d}{i:06d}") for i in range(patients)]
    plan = [(rng.choice(people), rng.choice(list(slots))) for _ in range(attempts)]
    return Scenario(seed, people, slots, plan)


def run_concurrently(jobs: Sequence[Callable[[], Attempt]], threads: int) -> list[Attempt]:
    barrier = threading.Barrier(threads)
    results: list[Attempt] = []
    lock = threading.Lock()
    queue = list(jobs)

    def worker() -> None:
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            attempt = job()
            with lock:
                results.append(attempt)

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()
    return results


class HttpBookingClient:
    """Books through the real server, one HTTP session per thread."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {token}"}
        self._local = threading.local()

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session  # type: ignore[no-any-return]

    def _call(self, op: str, patient_id: str, slot_id: str, method: str, path: str, **kwargs: object) -> Attempt:
        try:
            response = self._session().request(method, self.base_url + path, headers=self.headers, timeout=30, **kwargs)  # type: ignore[arg-type]
        except requests.RequestException as exc:
            return Attempt(op, patient_id, slot_id, "unknown", type(exc).__name__)
        if response.status_code in (200, 201):
            return Attempt(op, patient_id, slot_id, "ok", appointment_id=response.json().get("id"))
        if 400 <= response.status_code < 500:
            return Attempt(op, patient_id, slot_id, "refused", response.json().get("error", ""))
        if response.status_code == 503 and response.json().get("error") == "busy":
            # Shed by the admission gate (web/admission.py) before the view ran: nothing happened.
            return Attempt(op, patient_id, slot_id, "refused", "busy")
        return Attempt(op, patient_id, slot_id, "unknown", str(response.status_code))

    def book(self, patient_id: str, slot_id: str) -> Attempt:
        return self._call(
            "book",
            patient_id,
            slot_id,
            "POST",
            "/api/v1/appointments",
            json={"patient_id": patient_id, "slot_id": slot_id},
        )

    def cancel(self, appointment_id: str, patient_id: str, slot_id: str) -> Attempt:
        attempt = self._call("cancel", patient_id, slot_id, "POST", f"/api/v1/appointments/{appointment_id}/cancel")
        return Attempt("cancel", patient_id, slot_id, attempt.outcome, attempt.code, appointment_id)


def check_history(database_url: str, scenario: Scenario, history: list[Attempt], weekly_quota: int) -> list[str]:
    """Every violated invariant, as a sentence; an empty list means the history is sound."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.id, a.patient_id, a.slot_id, a.department_id, a.clinic_date, a.status "
                "FROM appointments a WHERE a.slot_id IN :slots"
            ).bindparams(bindparam("slots", expanding=True)),
            {"slots": list(scenario.slots)},
        ).all()
        remaining = dict(
            conn.execute(
                text("SELECT id, remaining FROM slots WHERE id IN :slots").bindparams(
                    bindparam("slots", expanding=True)
                ),
                {"slots": list(scenario.slots)},
            ).all()
        )
    engine.dispose()
    problems: list[str] = []
    by_id = {row.id: row for row in rows}

    occupying = Counter(row.slot_id for row in rows if row.status in PLACE_TAKING)
    for slot_id, capacity in scenario.slots.items():
        if occupying[slot_id] > capacity:
            problems.append(f"oversold {slot_id}: {occupying[slot_id]} places taken of {capacity}")
        if occupying[slot_id] + remaining[slot_id] != capacity:
            problems.append(
                f"count drift on {slot_id}: taken {occupying[slot_id]} + remaining {remaining[slot_id]} != {capacity}"
            )

    per_day = Counter((r.patient_id, r.department_id, str(r.clinic_date)) for r in rows if r.status in OCCUPYING)
    problems += [f"two bookings for one patient, department and day: {key}" for key, n in per_day.items() if n > 1]

    weekly: dict[tuple[str, date], int] = defaultdict(int)
    for r in rows:
        if r.status in ACTIVE:
            day = r.clinic_date if isinstance(r.clinic_date, date) else date.fromisoformat(str(r.clinic_date))
            weekly[(r.patient_id, iso_week_bounds(day)[0])] += 1
    problems += [f"quota exceeded: {key} has {n}" for key, n in weekly.items() if n > weekly_quota]

    booked = [a for a in history if a.op == "book"]
    for attempt in booked:
        if attempt.outcome == "ok":
            row = by_id.get(attempt.appointment_id or "")
            if row is None or (row.patient_id, row.slot_id) != (attempt.patient_id, attempt.slot_id):
                problems.append(f"acknowledged booking has no matching row: {attempt}")
    acknowledged = {a.appointment_id for a in booked if a.outcome == "ok"}
    unknown_pairs = Counter((a.patient_id, a.slot_id) for a in booked if a.outcome == "unknown")
    for row in rows:
        if row.id not in acknowledged:
            if unknown_pairs[(row.patient_id, row.slot_id)] == 0:
                problems.append(f"a refused attempt left a row behind: {row.id} ({row.patient_id}, {row.slot_id})")
            else:
                unknown_pairs[(row.patient_id, row.slot_id)] -= 1
    return problems
