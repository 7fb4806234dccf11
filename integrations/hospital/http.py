"""``HospitalBackend`` over the hospital's v1 HTTP API (urllib3, no pydantic).

One ``_request`` choke point: bearer token, timeouts, a few retries for
network errors and 502/503/504 (only for idempotent calls, or calls that carry
an ``Idempotency-Key``), and typed exceptions carrying the API's error code.
"""

from __future__ import annotations

import copy
import json as jsonlib
import logging
import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, cast
from urllib.parse import quote, urlencode

import urllib3

from integrations.hospital.base import Appointment, HospitalBackend, Patient, Slot, TriageResult
from integrations.hospital.errors import BackendUnavailable, HospitalError, error_for

log = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:5001"  # the `api` process of the Procfile, not the chat edge (issue 14)
RETRY_STATUSES = frozenset({502, 503, 504})
# Kept-alive connections to the API per process: at least the action server's threads
# (ACTION_SERVER_THREADS, 16), so a call never opens one for want of room.
POOL_SIZE = 32
CONVERSATION_HEADER = "X-Conversation-ID"

# An account's patients as this action run has read them (None: outside a run, never remembered).
_ACCOUNT_READS: ContextVar[Optional[Dict[Tuple[str, str], List[Patient]]]] = ContextVar("account_reads", default=None)


@contextmanager
def account_reads_remembered() -> Iterator[None]:
    """Within the block, an account's patients are asked of the API once.

    Why: rasa-sdk runs a form's ``required_slots`` three times per validation (extraction,
    validation, the next slot), and ours asks the account's patients each time, as do
    ``extract_patient_id`` and ``validate_patient_id``: four or five identical GETs per turn
    of the booking form, milliseconds apart, each a request to the v1 API and its database.
    Any write through this client (a registration, a claim, a booking) forgets what was
    read, so a run that changes the account reads it afresh. Context-local: each action run
    (its own task) has its own, and nothing outlives the block."""
    token = _ACCOUNT_READS.set({})
    try:
        yield
    finally:
        _ACCOUNT_READS.reset(token)


def _forget_reads() -> None:
    """A write through the client: what this run read may have changed."""
    remembered = _ACCOUNT_READS.get()
    if remembered is not None:
        remembered.clear()


class HttpHospitalBackend(HospitalBackend):
    def __init__(
        self,
        base_url: Optional[str] = None,
        token: Optional[str] = None,
        timeout: Tuple[float, float] = (3.05, 10.0),
        retries: int = 2,
        backoff: float = 0.3,
        pool: Optional[urllib3.PoolManager] = None,
    ) -> None:
        self.base_url = (base_url or DEFAULT_URL).rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        # One pool of kept-alive connections, shared by the action server's threads. A bare
        # urllib3 pool, not a `requests` session: the session's per-call work (merging settings,
        # the environment's proxies and .netrc, hooks, cookies) cost about 0.5 ms of the action
        # server's CPU per call (issue 14, docs/benchmarks.md). Retries are ours (below), not urllib3's.
        self.pool = pool or urllib3.PoolManager(maxsize=POOL_SIZE, retries=False)

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "HttpHospitalBackend":
        env = os.environ if environ is None else environ
        return cls(base_url=env.get("HOSPITAL_API_URL") or DEFAULT_URL, token=env.get("HOSPITAL_API_TOKEN") or None)

    # --- the choke point ------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Dict[str, Any]] = None,
        json: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Any:
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None}, doseq=True)
        url = f"{self.base_url}/api/v1{path}" + (f"?{query}" if query else "")
        if method != "GET":
            _forget_reads()  # the write may change what the run read
        all_headers = {"Accept": "application/json"}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        body = None
        if json is not None:
            body = jsonlib.dumps(json, allow_nan=False).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        retryable = method == "GET" or "Idempotency-Key" in all_headers
        attempts = 1 + (self.retries if retryable else 0)
        timeout = urllib3.Timeout(connect=self.timeout[0], read=self.timeout[1])
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                resp = self.pool.request(method, url, body=body, headers=all_headers, timeout=timeout)
            except urllib3.exceptions.HTTPError as exc:
                if last:
                    raise BackendUnavailable(message=type(exc).__name__, method=method, path=path) from exc
                self._sleep(attempt)
                continue
            if resp.status in RETRY_STATUSES and not last:
                self._sleep(attempt)
                continue
            return self._decode(resp, method, path)
        raise BackendUnavailable(method=method, path=path)  # pragma: no cover - loop always returns or raises

    def _sleep(self, attempt: int) -> None:
        time.sleep(self.backoff * (2**attempt))

    @staticmethod
    def _decode(resp: urllib3.BaseHTTPResponse, method: str, path: str) -> Any:
        try:
            body = jsonlib.loads(resp.data) if resp.data else None
        except ValueError:
            body = None
        if resp.status < 400:
            return body
        code = message = None
        if isinstance(body, dict):
            code = body.get("error")
            message = body.get("message")
        exc_class = error_for(resp.status, code)
        log.info("hospital API error %s %s -> %s %s", method, path, resp.status, code)
        raise exc_class(code=code, message=message or "", status=resp.status, method=method, path=path)

    # --- endpoints --------------------------------------------------------------
    def departments(self) -> List[Dict[str, Any]]:
        return cast(List[Dict[str, Any]], self._request("GET", "/departments"))

    def slots(self, department: str, day: str) -> List[Slot]:
        return cast(List[Slot], self._request("GET", "/slots", params={"department": department, "date": day}))

    def account_patients(self, channel: str, channel_user_id: str) -> List[Patient]:
        remembered, key = _ACCOUNT_READS.get(), (channel, channel_user_id)
        if remembered is not None and key in remembered:
            return copy.deepcopy(remembered[key])
        params = {"channel": channel, "channel_user_id": channel_user_id}
        patients = cast(List[Patient], self._request("GET", "/accounts/patients", params=params))
        if remembered is not None and isinstance(patients, list):
            remembered[key] = copy.deepcopy(patients)
        return patients

    def register_patient(
        self,
        name: str,
        id_number: str,
        phone: str,
        channel: Optional[str] = None,
        channel_user_id: Optional[str] = None,
        code: Optional[str] = None,
        conversation_id: Optional[str] = None,
    ) -> Patient:
        body: Dict[str, Any] = {"name": name, "id_number": id_number, "phone": phone}
        if channel and channel_user_id:
            body["account"] = {"channel": channel, "channel_user_id": channel_user_id}
        if code:
            body["code"] = code
        headers = _conversation(conversation_id)
        return cast(Patient, self._request("POST", "/patients", json=body, headers=headers))

    def book(self, patient_id: str, slot_id: str, idempotency_key: str, channel: str = "api") -> Appointment:
        body = {"patient_id": patient_id, "slot_id": slot_id, "channel": channel}
        headers = {"Idempotency-Key": idempotency_key}
        return cast(Appointment, self._request("POST", "/appointments", json=body, headers=headers))

    def appointments(self, patient_id: str) -> List[Appointment]:
        return cast(List[Appointment], self._request("GET", "/appointments", params={"patient_id": patient_id}))

    def cancel(self, appointment_id: str) -> Appointment:
        return cast(
            Appointment, self._request("POST", f"/appointments/{quote(appointment_id, safe='')}/cancel", json={})
        )

    def reschedule(self, appointment_id: str, slot_id: str, idempotency_key: str) -> Appointment:
        path = f"/appointments/{quote(appointment_id, safe='')}/reschedule"
        headers = {"Idempotency-Key": idempotency_key}
        return cast(Appointment, self._request("POST", path, json={"slot_id": slot_id}, headers=headers))

    def payable_refills(self, patient_id: str) -> List[Dict[str, Any]]:
        path = f"/patients/{quote(patient_id, safe='')}/refills/payable"
        return cast(List[Dict[str, Any]], self._request("GET", path) or [])

    def check_payment(self, appointment_id: str) -> Appointment:
        path = f"/appointments/{quote(appointment_id, safe='')}/payment/check"
        return cast(Appointment, self._request("POST", path, json={}))

    def triage(
        self,
        text: str,
        age: Optional[float] = None,
        sex: Optional[str] = None,
        pregnant: Optional[bool] = None,
    ) -> TriageResult:
        body: Dict[str, Any] = {"text": text}
        if age is not None:
            body["age"] = age
        if sex is not None:
            body["sex"] = sex
        if pregnant is not None:
            body["pregnant"] = pregnant
        return cast(TriageResult, self._request("POST", "/triage", json=body))

    def send_otp(self, phone: str, purpose: str, conversation_id: Optional[str] = None) -> Dict[str, Any]:
        body = {"phone": phone, "purpose": purpose}
        return cast(
            Dict[str, Any], self._request("POST", "/otp", json=body, headers=_conversation(conversation_id)) or {}
        )

    def verify_otp(self, phone: str, purpose: str, code: str, conversation_id: Optional[str] = None) -> Dict[str, Any]:
        body = {"phone": phone, "purpose": purpose, "code": code}
        if conversation_id:
            body["conversation_id"] = conversation_id
        return cast(Dict[str, Any], self._request("POST", "/otp/verify", json=body) or {})

    def resolve_department(self, text: str) -> Optional[str]:
        answer = self._request("GET", "/departments/resolve", params={"text": text[:200]}) or {}
        code = answer.get("code") if isinstance(answer, dict) else None
        return str(code) if code else None

    def claim_patients(
        self, phone: str, code: str, purpose: str, channel: str, channel_user_id: str, conversation_id: str
    ) -> Dict[str, Any]:
        body = {
            "phone": phone,
            "code": code,
            "purpose": purpose,
            "account": {"channel": channel, "channel_user_id": channel_user_id},
        }
        headers = {"X-Conversation-ID": conversation_id}
        return cast(Dict[str, Any], self._request("POST", "/accounts/patients/claim", json=body, headers=headers) or {})

    def results(self, patient_id: str, token: str, conversation_id: Optional[str] = None) -> List[Dict[str, Any]]:
        path = f"/patients/{quote(patient_id, safe='')}/results"
        headers = {"X-Verification-Token": token}
        if conversation_id:
            headers["X-Conversation-ID"] = conversation_id
        body = self._request("GET", path, headers=headers)
        if isinstance(body, dict):  # tolerate {"results": [...]}
            body = body.get("results", [])
        return cast(List[Dict[str, Any]], body or [])

    def prescriptions(self, patient_id: str) -> List[Dict[str, Any]]:
        body = self._request("GET", f"/patients/{quote(patient_id, safe='')}/prescriptions")
        if isinstance(body, dict):
            body = body.get("prescriptions", [])
        return cast(List[Dict[str, Any]], body or [])

    def request_refill(
        self, patient_id: str, prescription_id: str, answers: Optional[Dict[str, str]] = None
    ) -> Dict[str, Any]:
        body: Dict[str, Any] = {"patient_id": patient_id, "prescription_id": prescription_id}
        if answers:
            body["answers"] = answers
        return cast(Dict[str, Any], self._request("POST", "/refills", json=body) or {})

    def open_handoff(self, conversation_id: str, reason: str = "asked_for_human") -> Dict[str, Any]:
        body = {"conversation_id": conversation_id, "reason": reason}
        return cast(Dict[str, Any], self._request("POST", "/handoffs", json=body) or {})


def _conversation(conversation_id: Optional[str]) -> Dict[str, str]:
    """The bot's conversation: the API resolves the placeholders of a body (an ID number,
    a phone, a code the chat edge kept back from Rasa) only for the conversation they
    were typed in (services/conversation/placeholders.py)."""
    return {CONVERSATION_HEADER: conversation_id} if conversation_id else {}


__all__ = ["HospitalError", "HttpHospitalBackend"]
