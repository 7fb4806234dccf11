"""kill -9 the PostgreSQL primary during a booking flash crowd, and judge the history.

A two-node Patroni cluster (tests/failover/cluster.py), the real app under gunicorn
given the libpq multi-host URL with `target_session_attrs=read-write`, and patients
booking through the v1 API the whole time. Before the kill they book one scenario's
places; from the kill on, another's, so the second scenario can only be booked on the
new primary. The Jepsen-style checker (tests/concurrency/harness.py) then reads the new
primary: every acknowledged booking is there, nothing is oversold or booked twice, and
nothing a patient was refused left a row. Every answer during the switch is a 503 with
Retry-After (never a 500 or a dropped connection), and writes are back within 30 s.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from app import build_context
from db import postgres_url
from services.booking.calendar import local_today
from tests import databases
from tests.concurrency.harness import Attempt, Scenario, build_scenario, check_history
from tests.concurrency.server import running_server
from tests.conftest import SERVICE_TOKEN, _require, settings_for
from tests.failover import cluster as patroni

pytestmark = pytest.mark.slow
QUOTA = 3
THREADS = 8
WRITES_BACK_WITHIN = 30.0


@dataclass(frozen=True)
class Answer:
    """One booking request as the patient saw it."""

    phase: str  # before | after (the kill)
    started: float
    ended: float
    status: int  # 0: no HTTP answer at all
    error: str
    retry_after: str | None
    attempt: Attempt


class Crowd:
    """Patients booking from several threads until told to stop, every answer kept."""

    def __init__(self, base_url: str, before: Scenario, after: Scenario) -> None:
        self.base_url = base_url
        self.plans = {"before": itertools.cycle(before.plan), "after": itertools.cycle(after.plan)}
        self.phase = "before"
        self.answers: list[Answer] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def _book(self, session: requests.Session, phase: str, patient: str, slot: str) -> Answer:
        started = time.monotonic()
        try:
            response = session.post(
                f"{self.base_url}/api/v1/appointments",
                json={"patient_id": patient, "slot_id": slot},
                headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                timeout=40,
            )
        except requests.RequestException as exc:
            attempt = Attempt("book", patient, slot, "unknown", type(exc).__name__)
            return Answer(phase, started, time.monotonic(), 0, type(exc).__name__, None, attempt)
        body = response.json()
        error = body.get("error", "")
        if response.status_code in (200, 201):
            attempt = Attempt("book", patient, slot, "ok", appointment_id=body["id"])
        elif response.status_code < 500 or error == "busy":  # refused by a rule, or shed before the view ran
            attempt = Attempt("book", patient, slot, "refused", error)
        else:  # the database went away mid-request: the booking may or may not have committed
            attempt = Attempt("book", patient, slot, "unknown", str(response.status_code))
        retry_after = response.headers.get("Retry-After")
        return Answer(phase, started, time.monotonic(), response.status_code, error, retry_after, attempt)

    def _patient(self) -> None:
        session = requests.Session()
        while not self.stop.is_set():
            with self._lock:
                phase = self.phase
                patient, slot = next(self.plans[phase])
            answer = self._book(session, phase, patient, slot)
            with self._lock:
                self.answers.append(answer)
            # a 503 asks to come back later: a real client backs off a little
            time.sleep(0.1 if answer.status >= 500 else 0.01)

    def next_phase(self, event: Callable[[], None]) -> float:
        """Run `event` (the kill) and move to the second plan, no booking starting between."""
        with self._lock:
            at = time.monotonic()
            event()
            self.phase = "after"
            return at

    @contextmanager
    def running(self) -> Iterator[None]:
        threads = [threading.Thread(target=self._patient) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=60)


@pytest.fixture(scope="module")
def cluster() -> Iterator[patroni.Cluster]:
    _require("Patroni and etcd", patroni.unavailable_reason())
    with patroni.patroni_cluster() as started:
        primary = started.primary()
        assert primary is not None
        admin = create_engine(postgres_url(primary.url("postgres")), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE hospital"))
        admin.dispose()
        databases.migrate(primary.url("hospital"))
        yield started


def _wait_for_new_primary(cluster: patroni.Cluster, old: patroni.Node, deadline: float) -> patroni.Node | None:
    while time.monotonic() < deadline:
        primary = cluster.primary()
        if primary is not None and primary is not old:
            return primary
        time.sleep(0.1)
    return None


def test_killing_the_primary_mid_flash_crowd_loses_nothing_and_writes_return(
    cluster: patroni.Cluster, tmp_path: Path
) -> None:
    url = cluster.multi_host_url("hospital")
    ctx = build_context(settings_for(url))
    start = local_today() + timedelta(days=3)
    before, after = build_scenario(ctx, 501, start), build_scenario(ctx, 502, start + timedelta(days=7))
    ctx.db.dispose()
    old = cluster.primary()
    assert old is not None
    env = {
        "DATABASE_URL": url,
        "HOSPITAL_API_TOKEN": SERVICE_TOKEN,
        "DATABASE_CONNECT_TIMEOUT_SECONDS": "2",
        "RATE_LIMIT_BOOKINGS_PER_PATIENT": "100000/minute",
        "ADMISSION_BOOKING": "64",
    }
    with running_server(env, workers=2, threads=8, log_dir=tmp_path) as base:
        crowd = Crowd(base, before, after)
        with crowd.running():
            time.sleep(3)  # the crowd is booking on the old primary
            killed_at = crowd.next_phase(lambda: cluster.kill(old))
            new = _wait_for_new_primary(cluster, old, killed_at + 60)
            promoted_at = time.monotonic()
            deadline = killed_at + 60
            while time.monotonic() < deadline and not _writes_back(crowd.answers, killed_at):
                time.sleep(0.2)
            time.sleep(3)  # and keep booking on the new primary a while
    assert new is not None, "Patroni promoted no replica within 60 s"

    answers = crowd.answers
    by_phase = {phase: [a.attempt for a in answers if a.phase == phase] for phase in ("before", "after")}
    problems = check_history(new.url("hospital"), before, by_phase["before"], QUOTA)
    problems += check_history(new.url("hospital"), after, by_phase["after"], QUOTA)
    first_write = _writes_back(answers, killed_at)
    switch = (first_write - killed_at) if first_write else float("inf")
    outages = [a for a in answers if a.status >= 500 or a.status == 0]
    print(
        f"\nfailover: {len(answers)} bookings, Patroni promoted {new.name} after {promoted_at - killed_at:.1f} s, "
        f"writes back after {switch:.1f} s; {len(outages)} answers were 503 meanwhile; "
        f"ok before {sum(a.outcome == 'ok' for a in by_phase['before'])}, "
        f"after {sum(a.outcome == 'ok' for a in by_phase['after'])}"
    )

    assert not problems, "\n".join(problems[:20])
    assert [a.attempt.outcome for a in answers if a.phase == "before"].count("ok") > 0, "nothing booked before the kill"
    assert any(a.attempt.outcome == "ok" for a in answers if a.phase == "after"), "nothing booked on the new primary"
    assert any(a.error == "unavailable" for a in outages), "no request saw the switch: the kill came too late"
    wrong = [a for a in outages if a.status != 503 or not (a.retry_after or "").isdigit()]
    assert not wrong, f"during the switch patients got {sorted({(a.status, a.error) for a in wrong})}, not a 503"
    assert switch <= WRITES_BACK_WITHIN, f"writes came back after {switch:.1f} s"


def _writes_back(answers: list[Answer], killed_at: float) -> float | None:
    """When the first booking started after the kill got a real answer (not a 503): only
    the new primary can have given it, since the old one is dead."""
    answered = [a.ended for a in list(answers) if a.started > killed_at and 0 < a.status < 500]
    return min(answered) if answered else None
