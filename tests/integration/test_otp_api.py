"""One-time codes through the HTTP API: limits, expiry, purpose, tries, single use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import OtpCode, OutboxMessage
from services.context import ServiceContext
from services.patients import otp
from services.patients.registry import phone_hash
from tests.clinical_factories import last_code, send_otp, verified_token, verify_otp
from tests.conftest import AUTH
from tests.factories import make_patient

PHONE = "13912345678"
START = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def patient(ctx: ServiceContext) -> str:
    return make_patient(ctx, name="张三", phone=PHONE)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def sms_count(ctx: ServiceContext) -> int:
    with ctx.db.reading() as session:
        return session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "otp")) or 0


def test_a_code_is_sent_by_sms_and_stored_only_as_a_hash(
    client: FlaskClient, ctx: ServiceContext, patient: str
) -> None:
    response = send_otp(client, PHONE)
    assert response.status_code == 202
    assert response.json == {"sent": True, "expires_in": 300, "resend_in": 60}
    assert response.headers["Cache-Control"] == "no-store"
    [message] = client.get(f"/api/v1/dev/outbox?to={PHONE}", headers=AUTH).json
    assert message["channel"] == "sms" and message["kind"] == "otp"
    code = last_code(client, PHONE)
    # it says what the code is for, so a patient who did not ask to see reports can tell
    assert message["text"] == (
        f"【{ctx.settings.hospital_name}】您正在查看检查检验报告，验证码是{code}，5分钟内有效。"
        "验证码请勿告诉任何人，如非本人操作请忽略。"
    )
    with ctx.db.reading() as session:
        row = session.scalars(select(OtpCode)).one()
    assert row.phone_hash == phone_hash(ctx.cipher, PHONE) and row.purpose == "results"
    assert code not in row.code_hash and PHONE not in row.phone_hash and len(row.code_hash) == 64


def test_the_right_code_earns_a_token_once(client: FlaskClient, patient: str) -> None:
    send_otp(client, PHONE)
    code = last_code(client, PHONE)
    first = verify_otp(client, PHONE, code)
    assert first.status_code == 200
    assert first.json["verified"] is True and first.json["expires_in"] == 1800 and first.json["token"]
    again = verify_otp(client, PHONE, code)
    assert again.status_code == 410 and again.json["error"] == "otp_expired"
    assert "重新获取" in again.json["message"]


def test_phone_formats_are_the_same_phone(client: FlaskClient, patient: str) -> None:
    send_otp(client, "+86 139-1234-5678")
    assert verify_otp(client, PHONE, last_code(client, PHONE)).status_code == 200


def test_a_wrong_code_says_how_many_tries_are_left_and_the_fifth_locks(client: FlaskClient, patient: str) -> None:
    send_otp(client, PHONE)
    code = last_code(client, PHONE)
    for left in (4, 3, 2, 1):
        response = verify_otp(client, PHONE, wrong(code))
        assert response.status_code == 422 and response.json["error"] == "otp_invalid"
        assert response.json["tries_left"] == left and f"还可以再试{left}次" in response.json["message"]
    fifth = verify_otp(client, PHONE, wrong(code))
    assert fifth.status_code == 429 and fifth.json["error"] == "otp_locked" and "重新获取" in fifth.json["message"]
    # Locked: even the right code no longer opens it.
    assert verify_otp(client, PHONE, code).status_code == 429


def test_a_new_code_replaces_a_locked_one(client: FlaskClient, patient: str, clock: time_machine.Traveller) -> None:
    send_otp(client, PHONE)
    old = last_code(client, PHONE)
    for _ in range(5):
        verify_otp(client, PHONE, wrong(old))
    clock.shift(timedelta(seconds=61))
    assert send_otp(client, PHONE).status_code == 202
    new = last_code(client, PHONE)
    if new != old:
        assert verify_otp(client, PHONE, old).status_code == 422
    assert verify_otp(client, PHONE, new).status_code == 200


def test_a_newer_code_retires_the_older_one(client: FlaskClient, patient: str, clock: time_machine.Traveller) -> None:
    send_otp(client, PHONE)
    old = last_code(client, PHONE)
    clock.shift(timedelta(seconds=61))
    send_otp(client, PHONE)
    new = last_code(client, PHONE)
    if old != new:
        assert verify_otp(client, PHONE, old).status_code == 422
    assert verify_otp(client, PHONE, new).status_code == 200


def test_a_code_expires_after_five_minutes(client: FlaskClient, patient: str, clock: time_machine.Traveller) -> None:
    send_otp(client, PHONE)
    code = last_code(client, PHONE)
    clock.shift(timedelta(minutes=5, seconds=1))
    response = verify_otp(client, PHONE, code)
    assert response.status_code == 410 and response.json["error"] == "otp_expired"
    assert response.json["message"] == "验证码已过期，请重新获取"


def test_a_code_just_inside_five_minutes_still_works(
    client: FlaskClient, patient: str, clock: time_machine.Traveller
) -> None:
    send_otp(client, PHONE)
    code = last_code(client, PHONE)
    clock.shift(timedelta(minutes=4, seconds=59))
    assert verify_otp(client, PHONE, code).status_code == 200


def test_a_code_is_bound_to_its_purpose(client: FlaskClient, patient: str) -> None:
    send_otp(client, PHONE, "results")
    code = last_code(client, PHONE)
    other = verify_otp(client, PHONE, code, purpose="refill")
    assert other.status_code == 410  # no refill code was ever sent
    assert verify_otp(client, PHONE, code, purpose="results").status_code == 200


def test_a_code_is_bound_to_its_phone(client: FlaskClient, ctx: ServiceContext, patient: str) -> None:
    make_patient(ctx, name="李四", phone="13911112222")
    send_otp(client, PHONE)
    send_otp(client, "13911112222")
    code = last_code(client, PHONE)
    if code != last_code(client, "13911112222"):
        assert verify_otp(client, "13911112222", code).status_code == 422


def test_a_verification_without_a_code_sent_is_410(client: FlaskClient, patient: str) -> None:
    response = verify_otp(client, PHONE, "123456")
    assert response.status_code == 410 and response.json["error"] == "otp_expired"


def test_one_send_a_minute(
    client: FlaskClient, ctx: ServiceContext, patient: str, clock: time_machine.Traveller
) -> None:
    assert send_otp(client, PHONE).status_code == 202
    clock.shift(timedelta(seconds=30))
    refused = send_otp(client, PHONE)
    assert refused.status_code == 429 and refused.json["error"] == "rate_limited"
    assert refused.json["message"] == "验证码发送太频繁，请30秒后再试"
    assert refused.json["retry_after"] == 30 and refused.headers["Retry-After"] == "30"
    assert sms_count(ctx) == 1
    # The limit is per phone, and across purposes.
    assert send_otp(client, PHONE, "bind_patient").status_code == 429
    assert send_otp(client, "13700001111", "bind_patient").status_code == 202
    clock.shift(timedelta(seconds=31))
    assert send_otp(client, PHONE).status_code == 202


def test_five_sends_an_hour(
    client: FlaskClient, ctx: ServiceContext, patient: str, clock: time_machine.Traveller
) -> None:
    for _ in range(5):
        assert send_otp(client, PHONE).status_code == 202
        clock.shift(timedelta(minutes=2))
    refused = send_otp(client, PHONE)  # 10 minutes after the first
    assert refused.status_code == 429
    assert refused.json["message"] == "验证码发送太频繁，请10:00后再试"  # first send at 09:00 Shanghai, +1 h
    assert refused.json["retry_after"] == 50 * 60
    assert sms_count(ctx) == 5
    clock.shift(timedelta(minutes=50))
    assert send_otp(client, PHONE).status_code == 202


def test_ten_sends_a_day(client: FlaskClient, ctx: ServiceContext, patient: str, clock: time_machine.Traveller) -> None:
    for _hour in range(2):
        for _ in range(5):
            assert send_otp(client, PHONE).status_code == 202
            clock.shift(timedelta(minutes=2))
        clock.shift(timedelta(hours=1))
    # 10 sent between 09:00 and 10:18 Shanghai; now it is 11:20.
    refused = send_otp(client, PHONE)
    assert refused.status_code == 429
    assert refused.json["message"] == "验证码发送太频繁，请明天09:00后再试"
    assert sms_count(ctx) == 10
    clock.shift(timedelta(hours=12))
    assert send_otp(client, PHONE).status_code == 429
    clock.move_to(START + timedelta(days=1, seconds=1))
    assert send_otp(client, PHONE).status_code == 202


def test_refused_sends_do_not_count(client: FlaskClient, patient: str, clock: time_machine.Traveller) -> None:
    send_otp(client, PHONE)
    for _ in range(20):
        assert send_otp(client, PHONE).status_code == 429
    clock.shift(timedelta(seconds=61))
    assert send_otp(client, PHONE).status_code == 202


def test_results_codes_go_only_to_phones_on_file_but_the_answer_is_the_same(
    client: FlaskClient, ctx: ServiceContext
) -> None:
    response = send_otp(client, "13700009999", "results")
    assert response.status_code == 202 and response.json["sent"] is True
    assert client.get("/api/v1/dev/outbox?to=13700009999", headers=AUTH).json == []
    # A phone being bound to a new patient gets its code.
    assert send_otp(client, "13700008888", "bind_patient").status_code == 202
    assert last_code(client, "13700008888")


@pytest.mark.parametrize(
    "payload",
    [
        {"phone": "12345", "purpose": "results"},
        {"phone": PHONE, "purpose": "something"},
        {"phone": PHONE},
        {"phone": PHONE, "purpose": "results", "extra": 1},
    ],
)
def test_bad_send_requests_are_422_in_chinese(client: FlaskClient, ctx: ServiceContext, payload: dict) -> None:
    response = client.post("/api/v1/otp", json=payload, headers=AUTH)
    assert response.status_code == 422 and response.json["error"] == "invalid"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["message"])
    assert sms_count(ctx) == 0


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_malformed_codes_are_422_and_cost_no_try(
    client: FlaskClient, ctx: ServiceContext, patient: str, code: str
) -> None:
    send_otp(client, PHONE)
    assert verify_otp(client, PHONE, code).status_code == 422
    with ctx.db.reading() as session:
        assert session.scalars(select(OtpCode.attempts)).one() == 0


def test_the_service_token_is_required(client: FlaskClient) -> None:
    assert client.post("/api/v1/otp", json={"phone": PHONE, "purpose": "results"}).status_code == 401
    assert (
        client.post("/api/v1/otp/verify", json={"phone": PHONE, "purpose": "results", "code": "123456"}).status_code
        == 401
    )


def test_a_grant_is_bound_to_purpose_and_expires(
    ctx: ServiceContext, client: FlaskClient, patient: str, clock: time_machine.Traveller
) -> None:
    token = verified_token(client, PHONE)
    with pytest.raises(otp.VerificationRequired):
        otp.check_grant(ctx, token, "refill")
    with pytest.raises(otp.VerificationRequired):
        otp.check_grant(ctx, token[:-2] + "xx", "results")
    clock.shift(timedelta(minutes=30, seconds=1))
    with pytest.raises(otp.VerificationRequired):
        otp.check_grant(ctx, token, "results")


def test_purge_keeps_codes_inside_the_daily_window(
    ctx: ServiceContext, client: FlaskClient, patient: str, clock: time_machine.Traveller
) -> None:
    send_otp(client, PHONE)
    clock.shift(timedelta(hours=23))
    assert otp.purge(ctx, older_than=timedelta(hours=1)) == 0
    clock.shift(timedelta(days=2))
    assert otp.purge(ctx) == 1


def test_racing_sends_to_one_phone_get_one_code(ctx: ServiceContext, patient: str) -> None:
    """Separate connections (as separate processes would use) racing: the database lets one through."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(8)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            otp.send_code(ctx, phone=PHONE, purpose="results")
        except otp.OtpRateLimited:
            return "limited"
        return "sent"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert sorted(outcomes) == ["limited"] * 7 + ["sent"]
    assert sms_count(ctx) == 1


def test_racing_wrong_guesses_get_five_tries_in_all(ctx: ServiceContext, client: FlaskClient, patient: str) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    send_otp(client, PHONE)
    code = wrong(last_code(client, PHONE))
    barrier = Barrier(10)

    def guess(_: int) -> str:
        barrier.wait()
        try:
            otp.verify_code(ctx, phone=PHONE, purpose="results", code=code)
        except (otp.OtpWrong, otp.OtpLocked) as exc:
            return exc.code
        return "verified"

    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(guess, range(10)))
    assert outcomes.count("otp_invalid") == 4 and outcomes.count("otp_locked") == 6
    with ctx.db.reading() as session:
        assert session.scalars(select(OtpCode.attempts)).one() == 5
