"""GET /api/v1/slots from a short-lived cache with an ETag (issue 14): a crowd's
refreshes cost memory, a sale or a cancellation shows at once."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient

from services.booking import holds, transitions
from services.booking.slot_cache import SlotCache
from services.context import ServiceContext
from tests.conftest import AUTH
from tests.factories import make_department, make_doctor, make_patient, make_slot


def _remaining(client: FlaskClient, code: str, day: date) -> int:
    response = client.get(f"/api/v1/slots?department={code}&date={day.isoformat()}", headers=AUTH)
    assert response.status_code == 200
    return int(response.json[0]["remaining"])


def test_etag_gives_304_and_a_sale_or_cancellation_shows_at_once(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    department = make_department(ctx)
    slot = make_slot(ctx, make_doctor(ctx, department, fee_fen=3000), clinic_day, capacity=3)
    code = "cardiology"  # make_department's default
    url = f"/api/v1/slots?department={code}&date={clinic_day.isoformat()}"
    first = client.get(url, headers=AUTH)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(url, headers={**AUTH, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == first.headers["ETag"]

    held = holds.book(ctx, patient_id=make_patient(ctx), slot_id=slot).appointment
    assert _remaining(client, code, clinic_day) == 2  # the sale dropped the cached listing
    changed = client.get(url, headers={**AUTH, "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    transitions.cancel(ctx, held["id"])
    assert _remaining(client, code, clinic_day) == 3  # so did the returned place


def test_entries_live_for_the_ttl_only() -> None:
    now = [100.0]
    cache = SlotCache(ttl=1.5, clock=lambda: now[0])
    loads: list[int] = []

    def load() -> list[dict[str, object]]:
        loads.append(1)
        return [{"n": len(loads)}]

    day = date(2030, 1, 2)
    assert cache.get("db", "xnk", day, load).items == [{"n": 1}]
    now[0] += 1.0
    assert cache.get("db", "xnk", day, load).items == [{"n": 1}]  # served from memory
    now[0] += 1.0
    assert cache.get("db", "xnk", day, load).items == [{"n": 2}]  # past the TTL: read again
    cache.invalidate("db", day, "xnk")
    assert cache.get("db", "xnk", day, load).items == [{"n": 3}]
    cache.invalidate("other-db", day)
    assert cache.get("db", "xnk", day, load).items == [{"n": 3}]  # another database's change is not ours
