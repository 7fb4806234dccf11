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


def test_a_write_sends_json_and_a_read_its_query_on_kept_alive_connections() -> None:
    """The client's pool (urllib3, issue 14) sends what `requests` sent: a JSON body with its
    type, the query encoded, UTF-8 names intact; and it keeps one connection for many calls."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[tuple[str, str, str, object, int]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps the connection open, as gunicorn does

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            seen.append(
                (
                    self.command,
                    self.path,
                    self.headers.get("Content-Type") or "",
                    json.loads(raw) if raw else None,
                    self.client_address[1],
                )
            )
            body = json.dumps({"id": "p1", "name": "李秀英"} if self.command == "POST" else []).encode()
            self.send_response(201 if self.command == "POST" else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        api = HttpHospitalBackend(base_url=f"http://127.0.0.1:{httpd.server_address[1]}", token=TOKEN)
        assert api.slots("cardiology", "2026-11-27 上午") == []
        assert api.account_patients("web", "c_1 2") == []
        created = api._request("POST", "/patients", json={"name": "李秀英", "phone": "13812345678"})
        assert created == {"id": "p1", "name": "李秀英"}
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert [(m, p, t, b) for m, p, t, b, _ in seen] == [
        ("GET", "/api/v1/slots?department=cardiology&date=2026-11-27+%E4%B8%8A%E5%8D%88", "", None),
        ("GET", "/api/v1/accounts/patients?channel=web&channel_user_id=c_1+2", "", None),
        ("POST", "/api/v1/patients", "application/json", {"name": "李秀英", "phone": "13812345678"}),
    ]
    assert len({port for *_, port in seen}) == 1  # one kept-alive connection for the three calls
