"""The HTTP client against a local fake server: auth, errors, retries."""

from __future__ import annotations

import pytest

from integrations.hospital import (
    BackendUnavailable,
    HttpHospitalBackend,
    InvalidInput,
    RateLimited,
    Restricted,
    SoldOut,
    Unauthorized,
)
from tests.actions.fake_hospital import TOKEN, FakeHospitalServer

SLOT = {
    "id": "s1",
    "department": "cardiology",
    "doctor": {"id": "d1", "name": "张伟", "title": "主任医师"},
    "start": "2026-11-27T09:00:00+08:00",
    "fee_fen": 5000,
    "remaining": 1,
}


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with FakeHospitalServer() as srv:
        srv.hospital.slots["cardiology|2026-11-27"] = [dict(SLOT)]
        yield srv


def client(server: FakeHospitalServer, **kw: object) -> HttpHospitalBackend:
    return HttpHospitalBackend(base_url=server.url, token=TOKEN, backoff=0.01, **kw)  # type: ignore[arg-type]


def test_sends_bearer_token_and_query(server: FakeHospitalServer) -> None:
    slots = client(server).slots("cardiology", "2026-11-27")
    assert [s["id"] for s in slots] == ["s1"]
    sent = server.hospital.requests[-1]
    assert sent["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert sent["query"] == {"department": "cardiology", "date": "2026-11-27"}


def test_wrong_token_is_unauthorized(server: FakeHospitalServer) -> None:
    with pytest.raises(Unauthorized) as info:
        HttpHospitalBackend(base_url=server.url, token="nope").departments()
    assert info.value.status == 401 and info.value.code == "unauthorized"


def test_booking_sends_idempotency_key_and_replays(server: FakeHospitalServer) -> None:
    api = client(server)
    pid = server.hospital.add_patient("李秀英", "13812345678")
    first = api.book(pid, "s1", idempotency_key="key-12345678")
    again = api.book(pid, "s1", idempotency_key="key-12345678")
    assert first["id"] == again["id"] and first["status"] == "held"
    assert server.hospital.requests[-1]["headers"]["Idempotency-Key"] == "key-12345678"
    assert first["payment"]["pay_url"].startswith("http://pay.local/")


def test_error_body_becomes_typed_exception_with_code_and_message(server: FakeHospitalServer) -> None:
    api = client(server)
    pid = server.hospital.add_patient("李秀英", "13812345678")
    api.book(pid, "s1", idempotency_key="key-aaaaaaaa")
    with pytest.raises(SoldOut) as info:
        api.book(pid, "s1", idempotency_key="key-bbbbbbbb")
    assert info.value.code == "sold_out" and info.value.status == 409 and "约满" in info.value.message


@pytest.mark.parametrize(
    ("status", "code", "exc"),
    [(403, "restricted", Restricted), (429, "quota_exceeded", RateLimited), (422, "invalid", InvalidInput)],
)
def test_status_codes_map_to_exceptions(server: FakeHospitalServer, status: int, code: str, exc: type) -> None:
    server.hospital.fail_next.append((status, {"error": code, "message": "x"}))
    with pytest.raises(exc):
        client(server).departments()


def test_retries_idempotent_calls_on_503(server: FakeHospitalServer) -> None:
    server.hospital.fail_next.append((503, {"error": "unavailable", "message": "busy"}))
    assert client(server, retries=2).departments()
    assert len(server.hospital.requests) == 2


def test_does_not_retry_plain_posts(server: FakeHospitalServer) -> None:
    server.hospital.fail_next.append((503, {"error": "unavailable", "message": "busy"}))
    with pytest.raises(BackendUnavailable):
        client(server, retries=2).triage("头疼")
    assert len(server.hospital.requests) == 1


def test_connection_refused_is_backend_unavailable() -> None:
    api = HttpHospitalBackend(base_url="http://127.0.0.1:9", token=TOKEN, retries=1, backoff=0.01)
    with pytest.raises(BackendUnavailable):
        api.departments()


def test_from_env_reads_url_and_token() -> None:
    api = HttpHospitalBackend.from_env({"HOSPITAL_API_URL": "http://h:1/", "HOSPITAL_API_TOKEN": "t"})
    assert api.base_url == "http://h:1" and api.token == "t"
    assert HttpHospitalBackend.from_env({}).base_url == "http://127.0.0.1:5001"
